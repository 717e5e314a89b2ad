/**
 * The transcript workbench (issue 12): the use cases that change a transcript after
 * recognition, each one revision in one transaction (`./revision.ts`), published for
 * `transcriptChanged` after the commit. One file per use case; this class only binds them to
 * the process's services. Every method is scoped to the caller's tenant: another tenant's ids
 * answer NOT_FOUND. Reads of the result go through the request's `TranscriptReader`.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import type { RevisionPayload } from '../../jobs/events.js';
import { deleteSegment } from './delete.js';
import { editSegment, type SegmentEdit } from './edit.js';
import { mergeSegments } from './merge.js';
import { renameSpeaker } from './rename-speaker.js';
import { replaceInTranscript, type FindOptions } from './replace.js';
import { revertTranscript } from './revert.js';
import { checkTranscript, type WorkbenchDeps } from './revision.js';
import { splitSegment, type SplitResult } from './split.js';

export type { SegmentEdit } from './edit.js';
export type { FindOptions } from './replace.js';
export { countMatches, findPattern } from './replace.js';

/** The workbench's use cases (see each file for what it checks and throws). */
export class WorkbenchService {
  constructor(private readonly deps: WorkbenchDeps) {}

  /** @throws NotFoundError unless `transcriptId` is a transcript of the tenant's. */
  checkTranscript(em: EntityManager, tenantId: string, transcriptId: string): Promise<void> {
    return checkTranscript(em, tenantId, transcriptId);
  }

  /** See `./edit.ts`. @returns the revision, or null when nothing changed. */
  editSegment(
    em: EntityManager,
    caller: Principal,
    id: string,
    edit: SegmentEdit,
    expectedVersion?: number,
  ): Promise<RevisionPayload | null> {
    return editSegment(this.deps, em, caller, id, edit, expectedVersion);
  }

  /** See `./split.ts`. */
  splitSegment(
    em: EntityManager,
    caller: Principal,
    id: string,
    at: number,
    expectedVersion?: number,
  ): Promise<SplitResult> {
    return splitSegment(this.deps, em, caller, id, at, expectedVersion);
  }

  /** See `./merge.ts`. */
  mergeSegments(em: EntityManager, caller: Principal, ids: string[], expectedVersion?: number) {
    return mergeSegments(this.deps, em, caller, ids, expectedVersion);
  }

  /** See `./delete.ts`. */
  deleteSegment(em: EntityManager, caller: Principal, id: string, expectedVersion?: number) {
    return deleteSegment(this.deps, em, caller, id, expectedVersion);
  }

  /** See `./replace.ts`. */
  replaceInTranscript(
    em: EntityManager,
    caller: Principal,
    transcriptId: string,
    find: string,
    replace: string,
    options: FindOptions,
    expectedVersion?: number,
  ) {
    return replaceInTranscript(
      this.deps,
      em,
      caller,
      transcriptId,
      find,
      replace,
      options,
      expectedVersion,
    );
  }

  /** See `./revert.ts`. @returns the revision, or null when the state was already that one. */
  revertTranscript(
    em: EntityManager,
    caller: Principal,
    transcriptId: string,
    toRevision: number,
    expectedVersion?: number,
  ): Promise<RevisionPayload | null> {
    return revertTranscript(this.deps, em, caller, transcriptId, toRevision, expectedVersion);
  }

  /** See `./rename-speaker.ts`. @returns the speaker's transcript id. */
  renameSpeaker(
    em: EntityManager,
    caller: Principal,
    speakerId: string,
    label: string,
    expectedVersion?: number,
  ): Promise<string> {
    return renameSpeaker(this.deps, em, caller, speakerId, label, expectedVersion);
  }
}
