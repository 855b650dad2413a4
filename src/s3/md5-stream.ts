/** Moved to the core floor (the webdav driver and multipart staging hash parts too); kept for the S3 layer's imports. */
export { md5WhileStreaming } from '../core/md5-stream';
