/**
 * `<kazru-segment-list>`: the segments of a transcript as a virtual list. A scroll container is
 * as tall as every row would be (measured heights, else their average), so its scrollbar stands
 * for the whole transcript, but only the rows in view plus a margin are in the DOM. Rows whose
 * window is not loaded yet show "Loading…" and are fetched through the {@link SegmentWindows}
 * once scrolling rests. A row's play button sends `segment-play` (detail: the Segment); with a
 * {@link Workbench} its text edits in place (`edit-typing`, `edit-closed`, `edit-refused` tell the
 * page, which pauses and resumes the audio) and its tools reassign, split, merge and delete.
 * ArrowUp/ArrowDown move between rows.
 */
import { html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, type Segment, type Speaker } from '../api.js';
import { t } from '../i18n.js';
import { RowLayout } from '../row-layout.js';
import type { SegmentWindows } from '../segment-window.js';
import type { Workbench } from '../workbench.js';
import { renderSegment, type RowContext } from './segment-row.js';
import { cssProps, errorText, sharedStyles, LocalizedElement } from './shared.js';
import { speakerNameStyles } from './speaker-list.js';
import { segmentStyles } from './segment-styles.js';

/** Rows are rendered this far (px) beyond each edge of the visible part. */
const OVERSCAN_PX = 400;
/** Windows this many rows beyond the rendered ones are fetched ahead of scrolling. */
const PREFETCH_ROWS = 60;
/** While the scrollbar is being dragged, fetching waits until it has rested this long (ms). */
const FETCH_DELAY_MS = 60;
/** Rows rendered before the list has measured its height. */
const FIRST_ROWS = 12;

/** `segment-play`: the user chose a segment to listen from. */
export type SegmentPlayEvent = CustomEvent<Segment>;

@customElement('kazru-segment-list')
export class SegmentList extends LocalizedElement {
  /** The transcript's segments, loaded window by window. */
  @property({ attribute: false }) windows?: SegmentWindows<Segment>;
  /** Speakers, for names and colours (a rename shows in every row at once). */
  @property({ attribute: false }) speakers: Speaker[] = [];
  /** Position of the segment being played (highlighted), or -1. */
  @property({ type: Number }) active = -1;
  /** Playback position in seconds ("split here" is offered on the segment under it). */
  @property({ type: Number }) playhead = 0;
  /** The workbench of the transcript: with it the rows offer editing; without, reading only. */
  @property({ attribute: false }) workbench?: Workbench;
  /** Bumped by the page whenever the workbench's state changed, to render it. */
  @property({ type: Number }) tick = 0;

  /** Rendered rows: positions `first` … `last`. */
  @state() private first = 0;
  @state() private last = -1;
  /** Bumped when a window arrives or fails, to render it. */
  @state() private loads = 0;

  @query('.scroller') private scroller?: HTMLElement;
  @query('.sizer') private sizer?: HTMLElement;

  private layout = new RowLayout(0);
  /** Set when an editor opens, so it gets focus once rendered. */
  private focusEditor = false;
  private unsubscribe?: () => void;
  private fetchTimer?: number;
  private width = 0;
  private observed?: Element;
  /** Viewport or width changes re-measure in the next frame (not inside the observer). */
  private readonly resizes = new ResizeObserver(() =>
    requestAnimationFrame(() => this.requestUpdate()),
  );

  static override styles = [sharedStyles, speakerNameStyles, segmentStyles];

  override connectedCallback(): void {
    super.connectedCallback();
    this.follow();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.resizes.disconnect();
    this.observed = undefined;
    window.clearTimeout(this.fetchTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const w = this.windows;
    if (!changed.has('windows') && w && w.count !== this.layout.count) {
      // A split, merge or delete changed the number of rows: same place, new layout.
      this.layout = new RowLayout(w.count, this.layout.estimate);
      this.last = Math.min(this.last, w.count - 1);
      this.first = Math.min(this.first, Math.max(0, this.last));
    }
    if (!changed.has('windows')) return;
    const count = this.windows?.count ?? 0;
    this.layout = new RowLayout(count);
    this.first = 0;
    this.last = Math.min(count, FIRST_ROWS) - 1;
    if (this.scroller) this.scroller.scrollTop = 0;
    this.follow();
  }

  protected override updated(): void {
    if (this.scroller && this.observed !== this.scroller) {
      this.resizes.disconnect();
      this.resizes.observe(this.scroller);
      this.observed = this.scroller;
    }
    this.measure();
    this.updateRange();
    if (this.focusEditor) {
      const editor = this.shadowRoot?.querySelector<HTMLTextAreaElement>('textarea.edit');
      if (editor) {
        this.focusEditor = false;
        editor.focus();
        editor.setSelectionRange(editor.value.length, editor.value.length);
      }
    }
  }

  /** Positions of the rows rendered now (the workbench reloads their windows first). */
  renderedRange(): [number, number] {
    return [this.first, Math.max(this.first, this.last)];
  }

  /** Scrolls the list so row `index` is in view: to the nearest edge, centred from far away. */
  scrollToIndex(index: number): void {
    const el = this.scroller;
    if (!el || !this.sizer) return;
    const top = this.sizer.offsetTop + this.layout.topOf(index);
    const height = this.layout.heightOf(index);
    const view = el.clientHeight;
    const now = el.scrollTop;
    if (top >= now && top + height <= now + view) return;
    const far = top + height < now - view || top > now + 2 * view;
    const y = far ? top - (view - height) / 2 : top < now ? top : top + height - view;
    const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollTo({ top: y, behavior: far || reduce ? 'auto' : 'smooth' });
    this.updateRange();
  }

  /** Listens to the current windows (and only to them). */
  private follow() {
    this.unsubscribe?.();
    this.unsubscribe = this.isConnected ? this.windows?.subscribe(() => this.loads++) : undefined;
  }

  /**
   * Records the height of every rendered row. When the rows above the rendered ones move (their
   * estimate changed), the view is shifted by as much, so what the user reads stays in place.
   */
  private measure() {
    const el = this.scroller;
    const sizer = this.sizer;
    if (!el || !sizer) return;
    const before = this.layout.topOf(this.first);
    // Scrolled to the very end (dragged there): stay at the end whatever the heights turn out.
    const atEnd = el.scrollTop > 0 && el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
    if (el.clientWidth !== this.width) {
      if (this.width) this.layout.forget();
      this.width = el.clientWidth;
    }
    let changed = false;
    for (const li of el.querySelectorAll<HTMLElement>('li.row:not(.pending)')) {
      const index = Number(li.dataset.row);
      changed = this.layout.set(index, li.getBoundingClientRect().height) || changed;
    }
    const shift = this.layout.topOf(this.first) - before;
    if (!changed && !shift) return;
    // The new height first, so the shifted position is within the scroll range.
    sizer.style.setProperty('height', `${this.layout.total}px`);
    if (atEnd) el.scrollTop = el.scrollHeight;
    else if (Math.abs(shift) >= 0.5) el.scrollTop += shift;
    this.requestUpdate();
  }

  /**
   * Renders the rows around the visible part and fetches what they need. After a failed fetch
   * only the user's own scrolling (or the retry button) fetches again, so a server that is away
   * is not asked on every render.
   */
  private updateRange(byUser = false) {
    const el = this.scroller;
    const w = this.windows;
    if (!el || !this.sizer || !w || w.count === 0) return;
    const top = el.scrollTop - this.sizer.offsetTop;
    const first = this.layout.indexAt(top - OVERSCAN_PX);
    const last = this.layout.indexAt(top + el.clientHeight + OVERSCAN_PX);
    if (first !== this.first || last !== this.last) {
      this.keepFocus(first, last);
      this.first = first;
      this.last = last;
    }
    window.clearTimeout(this.fetchTimer);
    const from = first - PREFETCH_ROWS;
    const to = last + PREFETCH_ROWS;
    if (w.has(from, to) || (w.error && !byUser)) return;
    this.fetchTimer = window.setTimeout(() => void w.ensure(from, to), FETCH_DELAY_MS);
  }

  /** A focused row about to leave the DOM hands focus to the list, not to the page. */
  private keepFocus(first: number, last: number) {
    const row = this.shadowRoot?.activeElement?.closest<HTMLElement>('li.row');
    const index = Number(row?.dataset.row);
    if (row && (index < first || index > last)) this.scroller?.focus({ preventScroll: true });
  }

  private retry() {
    const w = this.windows;
    if (!w) return;
    w.clearError();
    this.loads++;
    void w.ensure(this.first - PREFETCH_ROWS, this.last + PREFETCH_ROWS);
  }

  private play(seg: Segment) {
    this.dispatchEvent(new CustomEvent('segment-play', { detail: seg, bubbles: true }));
  }

  /** ArrowUp/ArrowDown on a row's control move to the same control of the row above/below. */
  private navKey(ev: KeyboardEvent, seg: Segment, control: string) {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const next = seg.index + (ev.key === 'ArrowDown' ? 1 : -1);
    const el = this.shadowRoot?.querySelector<HTMLElement>(
      `.seg[data-index="${next}"] .${control}`,
    );
    if (!el) return;
    ev.preventDefault();
    el.focus();
  }

  private onTextKey(ev: KeyboardEvent, seg: Segment) {
    if (ev.key === 'Enter' && this.workbench) {
      ev.preventDefault();
      this.openEditor(seg);
    } else this.navKey(ev, seg, 'text');
  }

  private openEditor(seg: Segment) {
    this.workbench?.openEditor(seg);
    this.focusEditor = true;
  }

  private onEditorKey(ev: KeyboardEvent) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      void this.save();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      this.closeEditor(() => this.workbench?.closeEditor());
    }
  }

  private async save() {
    const wb = this.workbench;
    const id = wb?.draft?.id;
    if (!wb || !id) return;
    if (!wb.draft!.text.trim()) {
      this.dispatchEvent(new CustomEvent('edit-refused', { bubbles: true, composed: true }));
      return;
    }
    if (await wb.saveDraft()) this.editorClosed(id, true);
  }

  /** Closes the editor and gives focus back to the segment's text. */
  private closeEditor(close: () => void) {
    const id = this.workbench?.draft?.id;
    close();
    if (id) this.editorClosed(id, false);
  }

  private editorClosed(id: string, saved: boolean) {
    this.dispatchEvent(
      new CustomEvent('edit-closed', { detail: { saved }, bubbles: true, composed: true }),
    );
    void this.updateComplete.then(() =>
      this.shadowRoot?.querySelector<HTMLElement>(`.seg[data-id="${id}"] .text`)?.focus(),
    );
  }

  private context(w: SegmentWindows<Segment>): RowContext {
    const wb = this.workbench;
    const act = (fn: (wb: Workbench) => Promise<unknown>) => {
      if (wb) void fn(wb);
    };
    return {
      speakers: this.speakers,
      active: this.active,
      playhead: this.playhead,
      draft: wb?.draft ?? null,
      editable: !!wb,
      busy: wb?.busy ?? false,
      next: (seg) => w.at(seg.index + 1),
      play: (seg) => this.play(seg),
      edit: (seg) => this.openEditor(seg),
      textKey: (ev, seg) => this.onTextKey(ev, seg),
      navKey: (ev, seg, control) => this.navKey(ev, seg, control),
      type: (text) => {
        wb?.type(text);
        this.dispatchEvent(new CustomEvent('edit-typing', { bubbles: true, composed: true }));
      },
      editorKey: (ev) => this.onEditorKey(ev),
      save: () => void this.save(),
      cancel: () => this.closeEditor(() => wb?.closeEditor()),
      takeTheirs: () => this.closeEditor(() => wb?.takeTheirs()),
      reassign: (seg, speakerId) => act((b) => b.reassign(seg, speakerId)),
      split: (seg) => act((b) => b.split(seg, this.playhead)),
      merge: (seg, next) => act((b) => b.mergeWithNext(seg, next)),
      remove: (seg) => act((b) => b.remove(seg)),
    };
  }

  override render() {
    const w = this.windows;
    if (!w) return nothing;
    if (w.count === 0) return html`<p class="muted">${t('noSegments')}</p>`;
    const rows: number[] = [];
    for (let i = this.first; i <= this.last; i++) rows.push(i);
    const ctx = this.context(w);
    return html`${w.error ? this.renderError(w.error) : nothing}
      <div
        class="scroller"
        role="region"
        tabindex="0"
        aria-label=${t('transcript')}
        @scroll=${() => this.updateRange(true)}
      >
        <div class="sizer" style=${cssProps({ height: `${this.layout.total}px` })}>
          <ol style=${cssProps({ transform: `translateY(${this.layout.topOf(this.first)}px)` })}>
            ${repeat(
              rows,
              (i) => i,
              (i) => this.renderRow(w, i, ctx),
            )}
          </ol>
        </div>
      </div>`;
  }

  private renderError(err: unknown) {
    const text =
      err instanceof ApiError && err.code === 'NOT_FOUND' ? t('notFound') : errorText(err);
    return html`<p class="error" role="alert">
      ${t('segmentsFailed', { message: text })}
      <button @click=${() => this.retry()}>${t('retryNow')}</button>
    </p>`;
  }

  private renderRow(w: SegmentWindows<Segment>, i: number, ctx: RowContext) {
    const seg = w.at(i);
    if (!seg) {
      return html`<li
        class="row pending"
        data-row=${i}
        aria-posinset=${i + 1}
        aria-setsize=${w.count}
        aria-busy="true"
        style=${cssProps({ height: `${this.layout.heightOf(i)}px` })}
      >
        <div class="placeholder muted">${t('loading')}</div>
      </li>`;
    }
    return html`<li class="row" data-row=${i} aria-posinset=${i + 1} aria-setsize=${w.count}>
      ${renderSegment(seg, ctx)}
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-segment-list': SegmentList;
  }
  interface HTMLElementEventMap {
    'segment-play': SegmentPlayEvent;
    'edit-typing': CustomEvent<void>;
    'edit-closed': CustomEvent<{ saved: boolean }>;
    'edit-refused': CustomEvent<void>;
  }
}
