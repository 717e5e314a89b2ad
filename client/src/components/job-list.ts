/**
 * `<kazru-job-list>`: the user's jobs, newest first, with live progress (graphql-ws), duration,
 * time left before deletion, the error of a failed job, cancel and delete (with confirmation).
 * Refetches after the live connection comes back so no update is missed.
 */
import { css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import {
  cancelJob,
  deleteJob,
  fetchJobs,
  followJob,
  onConnectionChange,
  type Job,
  type JobStatus,
} from '../api.js';
import { formatBytes, formatClock, formatSpan, secondsUntil } from '../format.js';
import { t } from '../i18n.js';
import { announce, errorText, progressBar, sharedStyles, LocalizedElement } from './shared.js';

const PAGE_SIZE = 20;
const TERMINAL: JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'];

/** Whether a job has ended (no more progress). */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status);
}

@customElement('kazru-job-list')
export class JobList extends LocalizedElement {
  @state() private jobs: Job[] = [];
  @state() private hasNextPage = false;
  @state() private loaded = false;
  @state() private loadError = '';
  @state() private confirming: string | null = null;
  @state() private busy: string | null = null;
  @state() private actionErrors: Record<string, string> = {};

  private endCursor: string | null = null;
  private follows = new Map<string, () => void>();
  private stopConnection?: () => void;
  private clock?: number;

  static override styles = [
    sharedStyles,
    css`
      ul {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.75rem;
      }
      li {
        border: 1px solid #d6dce5;
        border-radius: 8px;
        padding: 0.75rem;
        display: grid;
        gap: 0.4rem;
      }
      .head {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .status {
        font-size: 0.9rem;
        font-weight: 600;
        padding: 0.1rem 0.5rem;
        border-radius: 999px;
        background: #e0e7ff;
        color: #1e3a8a;
        white-space: nowrap;
      }
      .status.COMPLETED {
        background: #dcfce7;
        color: #14532d;
      }
      .status.FAILED {
        background: #fee2e2;
        color: #7f1d1d;
      }
      .status.CANCELLED,
      .status.EXPIRED {
        background: #e5e7eb;
        color: #374151;
      }
      .meta {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        font-size: 0.9rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .more {
        margin-top: 0.75rem;
      }
      p {
        margin: 0;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
    this.stopConnection = onConnectionChange(({ reconnected }) => {
      if (reconnected) void this.refresh();
    });
    // Keep "deleted in …" current.
    this.clock = window.setInterval(() => this.requestUpdate(), 30_000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopConnection?.();
    window.clearInterval(this.clock);
    for (const stop of this.follows.values()) stop();
    this.follows.clear();
  }

  /** Reloads the first page (as many jobs as are shown now, up to 100). */
  async refresh(): Promise<void> {
    try {
      const page = await fetchJobs(Math.min(100, Math.max(PAGE_SIZE, this.jobs.length)));
      // A live event may have overtaken this answer: keep whichever state is further along.
      const shown = new Map(this.jobs.map((j) => [j.id, j]));
      this.jobs = page.jobs.map((j) => {
        const live = shown.get(j.id);
        return live && !isTerminal(j.status) && live.progress > j.progress ? live : j;
      });
      this.hasNextPage = page.hasNextPage;
      this.endCursor = page.endCursor;
      this.loaded = true;
      this.loadError = '';
      this.syncFollows();
    } catch (err) {
      this.loadError = errorText(err);
    }
  }

  /** Shows a job that was just uploaded, at the top, and follows its progress. */
  addJob(job: Job): void {
    if (!this.jobs.some((j) => j.id === job.id)) this.jobs = [job, ...this.jobs];
    this.loaded = true;
    this.syncFollows();
  }

  private async loadMore() {
    try {
      const page = await fetchJobs(PAGE_SIZE, this.endCursor);
      const known = new Set(this.jobs.map((j) => j.id));
      this.jobs = [...this.jobs, ...page.jobs.filter((j) => !known.has(j.id))];
      this.hasNextPage = page.hasNextPage;
      this.endCursor = page.endCursor;
      this.syncFollows();
    } catch (err) {
      this.loadError = errorText(err);
    }
  }

  /** Follows every unfinished job shown; stops following jobs no longer shown. */
  private syncFollows() {
    const shown = new Set(this.jobs.map((j) => j.id));
    for (const [id, stop] of this.follows) {
      if (!shown.has(id)) {
        stop();
        this.follows.delete(id);
      }
    }
    for (const job of this.jobs) {
      if (isTerminal(job.status) || this.follows.has(job.id)) continue;
      const stop = followJob(
        job.id,
        (e) => {
          const before = this.jobs.find((j) => j.id === job.id);
          this.replace({
            ...e.job,
            status: e.status,
            progress: e.progress,
            estimatedCompletionAt: e.estimatedCompletionAt ?? e.job.estimatedCompletionAt,
          });
          if (e.status === 'COMPLETED' && before && before.status !== 'COMPLETED') {
            announce(this, t('jobDone', { name: e.job.filename }));
          }
        },
        () => this.follows.delete(job.id),
      );
      this.follows.set(job.id, stop);
    }
  }

  private replace(job: Job) {
    this.jobs = this.jobs.map((j) => (j.id === job.id ? job : j));
  }

  private async cancel(job: Job) {
    this.busy = job.id;
    try {
      this.replace(await cancelJob(job.id));
      announce(this, t('cancelled', { name: job.filename }));
      this.actionErrors = { ...this.actionErrors, [job.id]: '' };
    } catch (err) {
      this.actionErrors = { ...this.actionErrors, [job.id]: errorText(err) };
    } finally {
      this.busy = null;
    }
  }

  private async deleteOne(job: Job) {
    this.busy = job.id;
    try {
      await deleteJob(job.id);
      this.jobs = this.jobs.filter((j) => j.id !== job.id);
      this.confirming = null;
      this.syncFollows();
      announce(this, t('deleted', { name: job.filename }));
    } catch (err) {
      this.actionErrors = { ...this.actionErrors, [job.id]: errorText(err) };
    } finally {
      this.busy = null;
    }
  }

  override render() {
    return html`<section class="card" aria-labelledby="jobs-title">
      <h2 id="jobs-title">${t('jobsTitle')}</h2>
      ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : nothing}
      ${!this.loaded && !this.loadError ? html`<p class="muted">${t('loading')}</p>` : nothing}
      ${this.loaded && this.jobs.length === 0 ? html`<p class="muted">${t('noJobs')}</p>` : nothing}
      <ul>
        ${this.jobs.map((job) => this.renderJob(job))}
      </ul>
      ${
        this.hasNextPage
          ? html`<button class="more" @click=${() => void this.loadMore()}>
              ${t('loadMore')}
            </button>`
          : nothing
      }
    </section>`;
  }

  private renderJob(job: Job) {
    const done = job.status === 'COMPLETED';
    const left = secondsUntil(job.expiresAt);
    const busy = this.busy === job.id;
    return html`<li data-job-id=${job.id} data-status=${job.status}>
      <div class="head">
        ${
          done
            ? html`<a class="name" href="#/jobs/${job.id}">${job.filename}</a>`
            : html`<span class="name">${job.filename}</span>`
        }
        <span class="status ${job.status}">${t(`status_${job.status}`)}</span>
      </div>
      ${progressBar(job.progress, t('jobProgress', { name: job.filename }))}
      <div class="meta muted">
        ${
          job.durationSeconds != null
            ? html`<span>${t('duration', { value: formatClock(job.durationSeconds) })}</span>`
            : nothing
        }
        <span>${formatBytes(job.sizeBytes)}</span>
        ${
          !isTerminal(job.status) && job.estimatedCompletionAt
            ? html`<span class="eta"
                >${t('readyIn', {
                  n: String(Math.max(1, Math.ceil(secondsUntil(job.estimatedCompletionAt) / 60))),
                })}</span
              >`
            : nothing
        }
        <span>${left > 60 ? t('expiresIn', { value: formatSpan(left) }) : t('expiresSoon')}</span>
      </div>
      ${
        job.status === 'FAILED' && job.errorMessage
          ? html`<p class="error">${job.errorMessage}</p>`
          : nothing
      }
      ${
        this.actionErrors[job.id]
          ? html`<p class="error" role="alert">${this.actionErrors[job.id]}</p>`
          : nothing
      }
      ${
        this.confirming === job.id
          ? html`<div class="actions" role="group">
              <span>${t('confirmDelete', { name: job.filename })}</span>
              <button
                class="danger primary"
                ?disabled=${busy}
                @click=${() => void this.deleteOne(job)}
              >
                ${t('confirmYes')}
              </button>
              <button @click=${() => (this.confirming = null)}>${t('confirmNo')}</button>
            </div>`
          : html`<div class="actions">
              ${done ? html`<a href="#/jobs/${job.id}">${t('open')}</a>` : nothing}
              ${
                !isTerminal(job.status)
                  ? html`<button ?disabled=${busy} @click=${() => void this.cancel(job)}>
                      ${t('cancel')}
                    </button>`
                  : nothing
              }
              <button
                class="danger"
                aria-label="${t('delete')}: ${job.filename}"
                @click=${() => (this.confirming = job.id)}
              >
                ${t('delete')}
              </button>
            </div>`
      }
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-job-list': JobList;
  }
}
