/**
 * `<kazru-upload>`: choose or drop recordings, pick languages and speaker separation, and send
 * them one after another with a progress bar each. Shows the server's limits before anything is
 * sent; a file over the size limit is refused here, a file the server rejects shows its message.
 * Fires `job-created` (detail: the new Job) for each accepted file.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { uploadAudio, type ServiceInfo, type UploadOptions } from '../api.js';
import { formatBytes, formatSpan } from '../format.js';
import { t } from '../i18n.js';
import { announce, errorText, progressBar, sharedStyles, LocalizedElement } from './shared.js';

/** One file of the upload list; sizes in bytes. */
interface Entry {
  key: number;
  file: File;
  state: 'waiting' | 'uploading' | 'done' | 'error';
  sentBytes: number;
  error?: string;
}

const LANGUAGE_CHOICES = {
  both: ['kk-KZ', 'ru-RU'],
  kk: ['kk-KZ'],
  ru: ['ru-RU'],
  auto: ['auto'],
} as const;
type LanguageChoice = keyof typeof LANGUAGE_CHOICES;

@customElement('kazru-upload')
export class UploadPanel extends LocalizedElement {
  /** The server's limits; null until loaded. */
  @property({ attribute: false }) info: ServiceInfo | null = null;

  @state() private entries: Entry[] = [];
  @state() private languages: LanguageChoice = 'both';
  @state() private diarization: UploadOptions['diarization'] = 'AUTO';
  /** Chosen `Engine.id`; null: the server's default. */
  @state() private engine: string | null = null;
  @state() private dragging = false;

  private nextKey = 1;
  private queue: Promise<void> = Promise.resolve();

  static override styles = [
    sharedStyles,
    css`
      .drop {
        border: 2px dashed #8a94a6;
        border-radius: 10px;
        padding: 1.25rem 1rem;
        text-align: center;
        background: #f8fafc;
      }
      .drop.dragging {
        border-color: #1d4ed8;
        background: #eff6ff;
      }
      .drop p {
        margin: 0 0 0.6rem;
      }
      .pick {
        display: inline-block;
      }
      input[type='file'] {
        position: absolute;
        width: 1px;
        height: 1px;
        opacity: 0;
      }
      input[type='file']:focus-visible + label {
        outline: 3px solid #f59e0b;
        outline-offset: 2px;
      }
      label.button {
        display: inline-block;
        cursor: pointer;
        background: #1d4ed8;
        color: #fff;
        border-radius: 6px;
        padding: 0.5rem 1rem;
        font-weight: 600;
      }
      label.button:hover {
        background: #1e40af;
      }
      .drop .limits {
        margin: 0.75rem 0 0;
        font-size: 0.95rem;
      }
      .limits span {
        display: block;
      }
      .options {
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem 1.5rem;
        margin-top: 1rem;
      }
      .options label {
        display: flex;
        flex-direction: column;
        gap: 0.25rem;
        font-weight: 600;
        flex: 1 1 14rem;
      }
      select {
        padding: 0.4rem;
        border: 1px solid #8a94a6;
        border-radius: 6px;
        background: #fff;
        font-weight: normal;
      }
      ul {
        list-style: none;
        padding: 0;
        margin: 1rem 0 0;
        display: grid;
        gap: 0.6rem;
      }
      li {
        border: 1px solid #d6dce5;
        border-radius: 8px;
        padding: 0.6rem 0.75rem;
      }
      li.error {
        border-color: #b91c1c;
        background: #fef2f2;
      }
      .file-head {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      .file-state {
        margin: 0.35rem 0 0;
      }
      .bar {
        margin-top: 0.4rem;
      }
    `,
  ];

  /** Switches engine; a diarization the new engine cannot do falls back to AUTO. */
  private chooseEngine(id: string) {
    this.engine = id;
    const en = this.info?.engines.find((e) => e.id === id);
    if (en && !en.diarization.includes(this.diarization)) this.diarization = 'AUTO';
  }

  override render() {
    const info = this.info;
    const engines = info?.engines ?? [];
    const chosen = engines.find((e) => e.id === (this.engine ?? info?.defaultEngine));
    return html`<section class="card" aria-labelledby="upload-title">
      <h2 id="upload-title">${t('uploadTitle')}</h2>
      <div
        class="drop ${this.dragging ? 'dragging' : ''}"
        @dragover=${(e: DragEvent) => this.onDragOver(e)}
        @dragleave=${() => (this.dragging = false)}
        @drop=${(e: DragEvent) => this.onDrop(e)}
      >
        <p>${t('dropHint')}</p>
        <span class="pick">
          <input
            id="file"
            type="file"
            multiple
            accept=${info ? info.acceptedExtensions.map((e) => `.${e}`).join(',') : 'audio/*'}
            @change=${(e: Event) => this.onPick(e)}
          />
          <label class="button" for="file">${t('chooseFiles')}</label>
        </span>
        ${
          info
            ? html`<p class="limits muted" data-testid="limits">
                <span
                  >${t('formats', { formats: info.acceptedExtensions.join(', ').toUpperCase() })}</span
                >
                <span
                  >${t('limits', {
                    size: formatBytes(info.maxUploadBytes),
                    duration: formatSpan(info.maxDurationSeconds),
                  })}</span
                >
                <span
                  >${t('retention', { retention: formatSpan(info.retentionHours * 3600) })}</span
                >
              </p>`
            : nothing
        }
      </div>
      <div class="options">
        ${
          engines.length > 1
            ? html`<label
                >${t('engineLabel')}
                <select
                  data-testid="engine"
                  @change=${(e: Event) => this.chooseEngine((e.target as HTMLSelectElement).value)}
                >
                  ${engines.map(
                    (en) =>
                      html`<option value=${en.id} ?selected=${en.id === chosen?.id}>
                        ${en.name}
                      </option>`,
                  )}
                </select>
              </label>`
            : nothing
        }
        <label
          >${t('languagesLabel')}
          <select
            @change=${(e: Event) =>
              (this.languages = (e.target as HTMLSelectElement).value as LanguageChoice)}
          >
            ${(
              [
                ['both', t('langBoth')],
                ['kk', t('langKk')],
                ['ru', t('langRu')],
                ['auto', t('langAuto')],
              ] as const
            ).map(
              ([v, text]) =>
                html`<option value=${v} ?selected=${this.languages === v}>${text}</option>`,
            )}
          </select>
        </label>
        <label
          >${t('diarLabel')}
          <select
            data-testid="diarization"
            @change=${(e: Event) =>
              (this.diarization = (e.target as HTMLSelectElement)
                .value as UploadOptions['diarization'])}
          >
            ${(
              [
                ['AUTO', t('diarAuto')],
                ['SPEAKER_LABELING', t('diarSpeaker')],
                ['CHANNELS', t('diarChannels')],
                ['NONE', t('diarNone')],
              ] as const
            )
              // Only what the chosen engine can do (SPEAKER_LABELING needs an engine that labels).
              .filter(([v]) => !chosen || chosen.diarization.includes(v))
              .map(
                ([v, text]) =>
                  html`<option value=${v} ?selected=${this.diarization === v}>${text}</option>`,
              )}
          </select>
        </label>
      </div>
      ${
        this.entries.length
          ? html`<ul aria-label=${t('uploadTitle')}>
              ${this.entries.map((e) => this.renderEntry(e))}
            </ul>`
          : nothing
      }
    </section>`;
  }

  private renderEntry(e: Entry) {
    const percent = e.file.size ? Math.round((e.sentBytes / e.file.size) * 100) : 0;
    let stateText: unknown;
    switch (e.state) {
      case 'waiting':
        stateText = html`<p class="file-state muted">${t('fileWaiting')}</p>`;
        break;
      case 'uploading':
        stateText = html`<p class="file-state muted">${t('fileUploading', { percent })}</p>`;
        break;
      case 'done':
        stateText = html`<p class="file-state">${t('fileAccepted')}</p>`;
        break;
      case 'error':
        stateText = html`<p class="file-state error" role="alert">${e.error}</p>`;
        break;
    }
    return html`<li class=${e.state} data-file=${e.file.name}>
      <div class="file-head">
        <span class="name">${e.file.name}</span>
        <span class="muted">${formatBytes(e.file.size)}</span>
      </div>
      ${
        e.state === 'uploading' || e.state === 'done'
          ? progressBar(
              e.state === 'done' ? 100 : percent,
              t('uploadProgress', { name: e.file.name }),
            )
          : nothing
      }
      ${stateText}
    </li>`;
  }

  private onDragOver(ev: DragEvent) {
    ev.preventDefault();
    this.dragging = true;
  }

  private onDrop(ev: DragEvent) {
    ev.preventDefault();
    this.dragging = false;
    this.addFiles([...(ev.dataTransfer?.files ?? [])]);
  }

  private onPick(ev: Event) {
    const input = ev.target as HTMLInputElement;
    this.addFiles([...(input.files ?? [])]);
    input.value = '';
  }

  /** Adds files to the list and sends them one after another. */
  private addFiles(files: File[]) {
    const max = this.info?.maxUploadBytes ?? Infinity;
    const added = files.map((file): Entry => {
      const entry: Entry = { key: this.nextKey++, file, state: 'waiting', sentBytes: 0 };
      if (file.size > max) {
        entry.state = 'error';
        entry.error = t('fileTooBig', { size: formatBytes(file.size), max: formatBytes(max) });
      }
      return entry;
    });
    this.entries = [...added.reverse(), ...this.entries];
    for (const entry of added.reverse()) {
      if (entry.state === 'waiting') this.queue = this.queue.then(() => this.send(entry.key));
    }
  }

  private patchEntry(key: number, patch: Partial<Entry>) {
    this.entries = this.entries.map((e) => (e.key === key ? { ...e, ...patch } : e));
  }

  private async send(key: number) {
    const entry = this.entries.find((e) => e.key === key);
    if (!entry) return;
    this.patchEntry(key, { state: 'uploading' });
    try {
      const job = await uploadAudio(
        entry.file,
        {
          languages: [...LANGUAGE_CHOICES[this.languages]],
          diarization: this.diarization,
          ...(this.engine ? { engine: this.engine } : {}),
        },
        (sent) => this.patchEntry(key, { sentBytes: sent }),
      );
      this.patchEntry(key, { state: 'done', sentBytes: entry.file.size });
      announce(this, t('uploaded', { name: entry.file.name }));
      this.dispatchEvent(
        new CustomEvent('job-created', { detail: job, bubbles: true, composed: true }),
      );
    } catch (err) {
      const message = errorText(err);
      this.patchEntry(key, { state: 'error', error: message });
      announce(this, `${entry.file.name}: ${message}`);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-upload': UploadPanel;
  }
}
