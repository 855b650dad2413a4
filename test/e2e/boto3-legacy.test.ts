import { describeBoto3 } from './support/boto3-suite';
import { boto3Legacy } from './support/clients';

describeBoto3(await boto3Legacy());
