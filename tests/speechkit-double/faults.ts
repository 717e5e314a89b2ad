/**
 * Scripted faults for the SpeechKit test double. Tests push faults; each request to the matching
 * endpoint consumes the first pending fault for it (FIFO), `times` times (default 1).
 */

/** Which endpoint a fault applies to. */
export type FaultTarget = 'submit' | 'poll' | 'result' | 'delete' | 'iam';

/** Answer with this HTTP status (default body: a google.rpc.Status for it). */
export interface StatusFault {
  on: FaultTarget;
  status: number;
  /** Sent as the `Retry-After` header (seconds or an HTTP date). */
  retryAfter?: string;
  /** Raw body instead of the default google.rpc.Status JSON. */
  body?: string;
  times?: number;
}
/** Destroy the connection without answering (the request body is read first). */
export interface ResetFault {
  on: FaultTarget;
  reset: true;
  times?: number;
}
/** Wait this long (ms) before handling the request normally (to trigger client timeouts). */
export interface DelayFault {
  on: FaultTarget;
  delayMs: number;
  times?: number;
}
/** The polled operation ends with this google.rpc.Status error (`done:true`, `error`). */
export interface OperationErrorFault {
  on: 'poll';
  operationError: { code: number; message: string };
  times?: number;
}
/** getRecognition answers 200 with a truncated, unparseable stream. */
export interface MalformedResultFault {
  on: 'result';
  malformed: true;
  times?: number;
}

/** Any scripted fault. */
export type Fault =
  StatusFault | ResetFault | DelayFault | OperationErrorFault | MalformedResultFault;

/** FIFO queue of scripted faults. */
export class FaultScript {
  private readonly queue: { fault: Fault; left: number }[] = [];

  /** Appends faults; each fires `fault.times ?? 1` times. */
  push(...faults: Fault[]): this {
    for (const fault of faults) this.queue.push({ fault, left: Math.max(1, fault.times ?? 1) });
    return this;
  }

  /** Consumes one firing of the first pending fault for `on`, if any. */
  take(on: FaultTarget): Fault | undefined {
    const i = this.queue.findIndex((q) => q.fault.on === on);
    if (i < 0) return undefined;
    const entry = this.queue[i];
    entry.left--;
    if (entry.left <= 0) this.queue.splice(i, 1);
    return entry.fault;
  }

  /** Faults not yet (fully) consumed, with remaining firings. */
  get pending(): { fault: Fault; left: number }[] {
    return this.queue.map((q) => ({ ...q }));
  }

  /** Drops all pending faults. */
  clear(): void {
    this.queue.length = 0;
  }
}
