import { describeAwsCli } from './support/aws-cli-suite';
import { awsCliV1 } from './support/clients';

describeAwsCli(await awsCliV1());
