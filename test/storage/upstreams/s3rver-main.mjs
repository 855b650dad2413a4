// Runs s3rver in this process (the package ships no CLI entry): node --openssl-legacy-provider s3rver-main.mjs <dir> <bucket>
import S3rver from '@20minutes/s3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
console.log(`s3rver listening on 127.0.0.1:${port}`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
