/**
 * Spreads the continuation of many awaiting callers over several event-loop turns, so that work
 * resumed all at once — e.g. GraphQL completing the words of 3,000 segments when one batched
 * read resolves them together — runs in slices between which the event loop serves other
 * requests, instead of one long synchronous stretch.
 */
export class Pacer {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** @param perTurn how many callers resume per macrotask (`setImmediate`). */
  constructor(private readonly perTurn: number) {}

  /** Resolves in a later macrotask, at most `perTurn` callers per turn, in call order. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.release);
      }
    });
  }

  private readonly release = (): void => {
    for (const resolve of this.waiting.splice(0, this.perTurn)) resolve();
    if (this.waiting.length > 0) setImmediate(this.release);
    else this.scheduled = false;
  };
}
