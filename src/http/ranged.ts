/**
 * Serves a stored file with HTTP Range support (RFC 9110 §14) through a ranged read of the
 * store, so playback works the same on the local directory and on S3: 200 with the whole file,
 * 206 with `Content-Range` for one satisfiable range, 416 with `Content-Range: bytes *\/size`
 * when none is satisfiable. Several ranges, or a malformed header, get the whole file (allowed:
 * a server may ignore Range). Ranges are parsed by `range-parser` (the parser express uses).
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import parseRange from 'range-parser';
import type { PlaybackAudio } from '../services/job.service.js';

/**
 * Answers `req` with `file` as `audio/ogg`, honouring a single-range `Range` header.
 * @throws the store's error when the object cannot be opened before anything was sent; a
 *   failure mid-body destroys the response.
 */
export async function sendRanged(req: Request, res: Response, file: PlaybackAudio): Promise<void> {
  const size = file.sizeBytes;
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'audio/ogg');
  res.setHeader('Last-Modified', file.modifiedAt.toUTCString());
  const header = req.headers.range;
  const ranges = header ? parseRange(size, header, { combine: true }) : -2;
  if (ranges === -1) {
    res.status(416).setHeader('Content-Range', `bytes */${size}`).end();
    return;
  }
  const range = Array.isArray(ranges) && ranges.length === 1 ? ranges[0] : undefined;
  if (range) {
    res.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200).setHeader('Content-Length', String(size));
  }
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const body = await file.open(range ? { start: range.start, end: range.end } : undefined);
  await pipeline(body, res);
}
