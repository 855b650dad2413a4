import { describeAwsCli } from './support/aws-cli-suite';
import { awsCliV2 } from './support/clients';

describeAwsCli(await awsCliV2());
