/**
 * Vertical layout of a virtual list: where each row starts, in CSS pixels, when only some rows
 * have ever been rendered. Rendered rows report their measured height; the others count as the
 * average measured so far (or the initial estimate), so the list's full height, and with it the
 * scrollbar, stands for every row from the start.
 */
export class RowLayout {
  /** Measured height of each row in px; 0 = not measured. */
  private readonly heights: Float64Array;
  /** `tops[i]`: where row i starts; `tops[count]`: the full height. Rebuilt when dirty. */
  private readonly tops: Float64Array;
  private dirty = true;
  private measuredSum = 0;
  private measuredCount = 0;
  private fallback: number;

  /**
   * @param count number of rows.
   * @param estimatePx height assumed for rows before any is measured, in px.
   */
  constructor(
    readonly count: number,
    estimatePx = 96,
  ) {
    this.heights = new Float64Array(count);
    this.tops = new Float64Array(count + 1);
    this.fallback = estimatePx;
  }

  /** Height in px assumed for a row not measured yet: the average of the measured ones. */
  get estimate(): number {
    return this.measuredCount ? this.measuredSum / this.measuredCount : this.fallback;
  }

  /** Height of all rows in px. */
  get total(): number {
    this.rebuild();
    return this.tops[this.count];
  }

  /** Records the measured height (px) of row `index`; true when it differs from before. */
  set(index: number, px: number): boolean {
    const old = this.heights[index];
    if (index < 0 || index >= this.count || px <= 0 || Math.abs(old - px) < 0.5) return false;
    if (old) this.measuredSum -= old;
    else this.measuredCount++;
    this.measuredSum += px;
    this.heights[index] = px;
    this.dirty = true;
    return true;
  }

  /**
   * Forgets every measurement (the width changed, so text wraps differently), keeping their
   * average as the estimate until rows are measured again.
   */
  forget(): void {
    this.fallback = this.estimate;
    this.heights.fill(0);
    this.measuredSum = 0;
    this.measuredCount = 0;
    this.dirty = true;
  }

  /** Height of row `index` in px: measured, else estimated. */
  heightOf(index: number): number {
    return this.heights[index] || this.estimate;
  }

  /** Where row `index` starts, in px from the top of the list (`count` gives the full height). */
  topOf(index: number): number {
    this.rebuild();
    return this.tops[Math.max(0, Math.min(this.count, index))];
  }

  /** The row at `y` px from the top of the list (clamped to the first and last rows). */
  indexAt(y: number): number {
    this.rebuild();
    let lo = 0;
    let hi = Math.max(0, this.count - 1);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.tops[mid] <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Recomputes the row tops: O(count), at most once per change (a few µs for 3,000 rows). */
  private rebuild(): void {
    if (!this.dirty) return;
    const estimate = this.estimate;
    let y = 0;
    for (let i = 0; i < this.count; i++) {
      this.tops[i] = y;
      y += this.heights[i] || estimate;
    }
    this.tops[this.count] = y;
    this.dirty = false;
  }
}
