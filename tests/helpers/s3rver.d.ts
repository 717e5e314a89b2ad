/** The part of `@20minutes/s3rver` (a Koa app; no type declarations shipped) the tests use. */
declare module '@20minutes/s3rver' {
  import type { RequestListener } from 'node:http';
  export default class S3rver {
    constructor(options: {
      silent?: boolean;
      directory: string;
      allowMismatchedSignatures?: boolean;
      configureBuckets?: { name: string }[];
    });
    /** Creates the buckets named in `configureBuckets`. */
    configureBuckets(): Promise<void>;
    /** The request handler, for a server of one's own. */
    callback(): RequestListener;
  }
}
