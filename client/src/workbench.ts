/**
 * The state of an open transcript being corrected (issue 12), apart from the DOM: the version
 * the page has seen, the one open text editor (its draft and, when someone else changed the same
 * segment meanwhile, their version as a conflict), undo/redo through revisions, and the live
 * `transcriptChanged` feed. Changes are applied to the {@link SegmentWindows} the list renders:
 * a text or speaker change in place, anything that moves positions (split, merge, delete,
 * revert) by reloading the windows in view, so a 4-hour transcript stays windowed.
 *
 * Undo and redo are reverts: undo restores the revision before the one the page stands on
 * ({@link cursor}), redo restores the one undone. A new change (anyone's) clears redo.
 */
import { ApiError, onConnectionChange, type Segment, type Speaker } from './api.js';
import type { SegmentWindows } from './segment-window.js';
import {
  deleteSegment,
  editSegment,
  fetchTranscriptWindow,
  followTranscript,
  mergeSegments,
  replaceInTranscript,
  revertTranscript,
  splitSegment,
  type FindOptions,
  type TranscriptChange,
} from './workbench-api.js';

/** The open text editor: segment, draft text, the segment version it started from. */
export interface SegmentDraft {
  id: string;
  text: string;
  base: number;
  /** Someone else's current state of this segment, when it changed under the draft. */
  conflict: Segment | null;
}

/** What the page is told about (it renders the messages in the interface language). */
export interface WorkbenchHost {
  /** Anything shown changed: re-render. */
  changed(): void;
  /** Positions `[first, last]` the list renders now (their windows are reloaded first). */
  viewRange(): [number, number];
  /** Someone else made a revision. */
  otherChange(e: TranscriptChange): void;
  /** A change of ours was refused or failed: `conflict` when the transcript had moved on. */
  failed(err: unknown, conflict: boolean): void;
}

/** A change of ours: runs the request and returns the transcript version it produced. */
type Change = () => Promise<number>;

export class Workbench {
  /** The newest transcript version the page has applied. */
  version: number;
  speakers: Speaker[];
  /** The open editor, or null. */
  draft: SegmentDraft | null = null;
  /** A change of ours is on its way. */
  busy = false;
  /** The text of a draft whose segment someone else removed (shown so it is not lost). */
  lostDraft: string | null = null;

  /** The revision whose state the page stands on as far as undo goes. */
  private cursor: number;
  /** Revisions undone, most recent last (redo restores them). */
  private redoStack: number[] = [];
  /** Versions our own changes produced (their events are not "someone else"). */
  private readonly own = new Set<number>();
  /** Events that arrived while a change of ours was on its way (told apart once it answers). */
  private queued: TranscriptChange[] = [];
  /** Renames of ours on their way (speaker id → label): their revisions are ours too. */
  private readonly renames = new Map<string, string>();
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private stopFeed?: () => void;
  private stopConnection?: () => void;

  constructor(
    readonly jobId: string,
    readonly transcriptId: string,
    readonly windows: SegmentWindows<Segment>,
    version: number,
    speakers: Speaker[],
    private readonly host: WorkbenchHost,
  ) {
    this.version = version;
    this.cursor = version;
    this.speakers = speakers;
  }

  /** Starts following other people's changes. */
  start(): void {
    this.stop();
    this.stopFeed = followTranscript(this.transcriptId, (e) => this.onEvent(e));
    // Events may have been missed while the connection was down: read the view again.
    this.stopConnection = onConnectionChange(({ reconnected }) => {
      if (reconnected) void this.reload();
    });
  }

  /** Stops following. */
  stop(): void {
    this.stopFeed?.();
    this.stopConnection?.();
    this.stopFeed = undefined;
    this.stopConnection = undefined;
  }

  get canUndo(): boolean {
    return this.cursor > 1 && !this.busy;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0 && !this.busy;
  }

  /** A rename of ours is about to be sent: its revision will be ours, not someone else's. */
  expectRename(speakerId: string, label: string): void {
    this.renames.set(speakerId, label);
  }

  /** Whether an event is the revision of a rename of ours (forgotten once recognised). */
  private isOwnRename(e: TranscriptChange): boolean {
    if (e.revision.kind !== 'rename-speaker') return false;
    for (const [id, label] of this.renames) {
      if (e.speakers.find((s) => s.id === id)?.label === label) {
        this.renames.delete(id);
        return true;
      }
    }
    return false;
  }

  // ---- the text editor ----------------------------------------------------------------

  /** Opens the editor on a segment (keeping a draft already open on it). */
  openEditor(seg: Segment): void {
    if (this.draft?.id === seg.id) return;
    this.draft = { id: seg.id, text: seg.text, base: seg.version, conflict: null };
    this.host.changed();
  }

  /** The user typed: keeps the draft (also while the row is scrolled out of view). */
  type(text: string): void {
    if (this.draft) this.draft.text = text;
  }

  /** Closes the editor without saving. */
  closeEditor(): void {
    this.draft = null;
    this.host.changed();
  }

  /**
   * Saves the draft (unchanged text just closes the editor). With a conflict showing, saving
   * means "keep mine": it is based on their version. Resolves true when the editor closed.
   */
  async saveDraft(): Promise<boolean> {
    const d = this.draft;
    if (!d || this.busy) return false;
    if (d.conflict) d.base = d.conflict.version;
    const current = this.segment(d.id);
    if (!d.conflict && current && current.text === d.text) {
      this.closeEditor();
      return true;
    }
    const ok = await this.change(async () => {
      const seg = await editSegment(d.id, { text: d.text }, d.base);
      this.windows.replace(seg, (s) => s.id === seg.id);
      return seg.version;
    }, d.id);
    if (ok && this.draft === d) this.draft = null;
    this.host.changed();
    return ok;
  }

  /** "Take theirs": drops the draft, the segment shows their text. */
  takeTheirs(): void {
    this.closeEditor();
  }

  // ---- structure and speakers -----------------------------------------------------------

  /** Gives a segment to another speaker of the transcript. */
  async reassign(seg: Segment, speakerId: string): Promise<boolean> {
    return this.change(async () => {
      const saved = await editSegment(seg.id, { speakerId }, seg.version);
      this.windows.replace(saved, (s) => s.id === saved.id);
      return saved.version;
    });
  }

  /** Splits a segment at `at` seconds. */
  async split(seg: Segment, at: number): Promise<boolean> {
    return this.change(
      async () => {
        const parts = await splitSegment(seg.id, at, seg.version);
        return Math.max(...parts.map((p) => p.version));
      },
      undefined,
      true,
    );
  }

  /** Merges a segment with the one after it. */
  async mergeWithNext(seg: Segment, next: Segment): Promise<boolean> {
    return this.change(
      async () => (await mergeSegments([seg.id, next.id], this.version)).version,
      undefined,
      true,
    );
  }

  /** Deletes a segment. */
  async remove(seg: Segment): Promise<boolean> {
    return this.change(() => deleteSegment(seg.id, seg.version), undefined, true);
  }

  /** Replaces every match; resolves the number replaced, or null when refused. */
  async replaceAll(o: FindOptions & { replace: string }): Promise<number | null> {
    let count: number | null = null;
    await this.change(
      async () => {
        const r = await replaceInTranscript(this.transcriptId, o, this.version);
        count = r.replacements;
        return r.version;
      },
      undefined,
      true,
    );
    return count;
  }

  // ---- history ------------------------------------------------------------------------

  /** Undo: restores the revision before the one the page stands on. */
  async undo(): Promise<boolean> {
    if (!this.canUndo) return false;
    const from = this.cursor;
    return this.revert(from - 1, () => {
      this.redoStack.push(from);
      this.cursor = from - 1;
    });
  }

  /** Redo: restores the revision the last undo left. */
  async redo(): Promise<boolean> {
    const to = this.redoStack.at(-1);
    if (to === undefined || this.busy) return false;
    return this.revert(to, () => {
      this.redoStack.pop();
      this.cursor = to;
    });
  }

  /** Restores any revision as a new one (a change like any other: undo returns from it). */
  async restore(revision: number): Promise<boolean> {
    return this.change(
      () => revertTranscript(this.transcriptId, revision, this.version),
      undefined,
      true,
    );
  }

  private async revert(to: number, moved: () => void): Promise<boolean> {
    let ok = false;
    await this.change(
      async () => {
        const v = await revertTranscript(this.transcriptId, to, this.version);
        ok = true;
        return v;
      },
      undefined,
      true,
      false,
    );
    if (ok) moved();
    this.host.changed();
    return ok;
  }

  // ---- applying changes -----------------------------------------------------------------

  /** A loaded segment by id. */
  segment(id: string): Segment | undefined {
    for (const s of this.windows.rows()) if (s.id === id) return s;
    return undefined;
  }

  /**
   * Runs a change of ours: one at a time; events meanwhile wait until it answered. A CONFLICT
   * reloads the view (their state shows) and, for the open editor's segment, offers the
   * conflict instead of losing the draft.
   * @param draftId the open editor's segment, when this change saves it.
   * @param moves the change moves positions: reload the windows in view afterwards.
   * @param newBase the change starts a new undo step (false for undo and redo themselves).
   */
  private async change(
    run: Change,
    draftId?: string,
    moves = false,
    newBase = true,
  ): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.host.changed();
    try {
      const version = await run();
      this.own.add(version);
      this.version = Math.max(this.version, version);
      if (newBase) {
        this.cursor = version;
        this.redoStack = [];
      }
      if (moves) await this.reload();
      return true;
    } catch (err) {
      const conflict = err instanceof ApiError && err.code === 'CONFLICT';
      if (conflict) await this.reload();
      const d = this.draft;
      if (conflict && draftId && d?.id === draftId) {
        const theirs = this.segment(draftId);
        if (theirs) d.conflict = theirs;
      }
      this.host.failed(err, conflict);
      return false;
    } finally {
      this.busy = false;
      const queued = this.queued;
      this.queued = [];
      for (const e of queued) this.onEvent(e);
      this.host.changed();
    }
  }

  /** A `transcriptChanged` event: ours (already applied) or someone else's. */
  private onEvent(e: TranscriptChange): void {
    if (this.busy) {
      this.queued.push(e);
      return;
    }
    if (e.version >= this.version) this.speakers = e.speakers;
    const fresh = e.version > this.version;
    // A revision we never heard of (before the feed started, or while reconnecting).
    const gap = fresh && e.version > this.version + 1;
    if (fresh && this.isOwnRename(e)) {
      this.own.add(e.version);
      this.version = e.version;
      this.cursor = e.version;
      this.redoStack = [];
    }
    const mine = this.own.has(e.version);
    if (!mine && fresh) {
      this.version = e.version;
      this.cursor = e.version;
      this.redoStack = [];
      this.noteConflict(e);
      this.host.otherChange(e);
    }
    if (gap || this.movesPositions(e)) {
      if (fresh || gap) void this.reload();
    } else {
      for (const seg of e.segments) {
        this.windows.replace(
          seg,
          (s) => s.id === seg.id,
          (s) => s.version > seg.version,
        );
      }
    }
    this.host.changed();
  }

  /** Their change reached the segment being edited: the draft stays, offered as a conflict. */
  private noteConflict(e: TranscriptChange): void {
    const d = this.draft;
    if (!d) return;
    const theirs = e.segments.find((s) => s.id === d.id);
    if (theirs && theirs.text !== d.text) d.conflict = theirs;
    else if (e.removedSegmentIds.includes(d.id)) {
      this.lostDraft = d.text;
      this.draft = null;
    }
  }

  /** Whether an event moves positions (so patching rows in place would misplace them). */
  private movesPositions(e: TranscriptChange): boolean {
    if (e.removedSegmentIds.length) return true;
    return e.segments.some((seg) => {
      const at = this.windows.at(seg.index);
      const loaded = this.segment(seg.id);
      return loaded ? loaded.index !== seg.index : at !== undefined;
    });
  }

  /**
   * Reloads the windows around the rendered rows (version, size and speakers with them); every
   * other window is fetched again when scrolled to. Overlapping calls run one after another.
   */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.reloadOnce().catch((err: unknown) => this.host.failed(err, false));
      } while (this.reloadAgain);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = null;
    }
  }

  private async reloadOnce(): Promise<void> {
    const size = this.windows.size;
    const [first, last] = this.host.viewRange();
    const from = Math.max(0, Math.floor(first / size));
    const to = Math.max(from, Math.floor(last / size));
    const keys: number[] = [];
    for (let k = from; k <= to; k++) keys.push(k);
    const got = await Promise.all(
      keys.map((k) => fetchTranscriptWindow(this.jobId, k * size, size)),
    );
    const head = got[0];
    const map = new Map<number, Segment[]>();
    keys.forEach((k, i) => {
      if (got[i].segments.length) map.set(k, got[i].segments);
    });
    if (!map.size && head.segmentCount > 0) {
      // The view lay beyond the new end: start from the first window.
      map.set(0, (await fetchTranscriptWindow(this.jobId, 0, size)).segments);
    }
    this.version = Math.max(this.version, head.version);
    this.speakers = head.speakers;
    this.windows.reset(head.segmentCount, map);
    this.host.changed();
  }
}
