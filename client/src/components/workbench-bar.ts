/**
 * `<kazru-workbench-bar>`: the tools of an open transcript above its segments: undo and redo
 * (also Ctrl+Z / Ctrl+Shift+Z, handled by the page), and the "find & replace" and "history"
 * panels, each opened by a toggle button (aria-expanded) so the list keeps the room otherwise.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { t } from '../i18n.js';
import type { Workbench } from '../workbench.js';
import './find-replace.js';
import './history-panel.js';
import { announce, sharedStyles, LocalizedElement } from './shared.js';

/** Undoes the last change of `wb` and says so through `from`'s live region. */
export async function undoWith(wb: Workbench, from: HTMLElement): Promise<void> {
  if (await wb.undo()) announce(from, t('undone'));
}

/** Redoes the last undone change of `wb` and says so through `from`'s live region. */
export async function redoWith(wb: Workbench, from: HTMLElement): Promise<void> {
  if (await wb.redo()) announce(from, t('redone'));
}

type Panel = 'find' | 'history' | null;

@customElement('kazru-workbench-bar')
export class WorkbenchBar extends LocalizedElement {
  @property({ attribute: false }) workbench?: Workbench;
  /** Bumped by the page whenever the workbench's state changed. */
  @property({ type: Number }) tick = 0;

  @state() private panel: Panel = null;

  static override styles = [
    sharedStyles,
    css`
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 0.75rem;
      }
      button[aria-expanded='true'] {
        background: #1d4ed8;
        border-color: #1d4ed8;
        color: #fff;
      }
      .version {
        margin-left: auto;
        font-size: 0.85rem;
      }
    `,
  ];

  private toggle(panel: Panel) {
    this.panel = this.panel === panel ? null : panel;
  }

  override render() {
    const wb = this.workbench;
    if (!wb) return nothing;
    return html`<div class="toolbar" role="toolbar" aria-label=${t('workbench')}>
        <button
          class="undo"
          aria-label=${t('undoLabel')}
          title=${t('undoLabel')}
          ?disabled=${!wb.canUndo}
          @click=${() => void undoWith(wb, this)}
        >
          ↶ ${t('undo')}
        </button>
        <button
          class="redo"
          aria-label=${t('redoLabel')}
          title=${t('redoLabel')}
          ?disabled=${!wb.canRedo}
          @click=${() => void redoWith(wb, this)}
        >
          ↷ ${t('redo')}
        </button>
        <button
          class="toggle-find"
          aria-expanded=${this.panel === 'find' ? 'true' : 'false'}
          aria-controls="wb-panel"
          @click=${() => this.toggle('find')}
        >
          ${t('findReplace')}
        </button>
        <button
          class="toggle-history"
          aria-expanded=${this.panel === 'history' ? 'true' : 'false'}
          aria-controls="wb-panel"
          @click=${() => this.toggle('history')}
        >
          ${t('history')}
        </button>
        <span class="version muted" data-testid="version">№${wb.version}</span>
      </div>
      <div id="wb-panel">
        ${
          this.panel === 'find'
            ? html`<kazru-find-replace .workbench=${wb} .tick=${this.tick}></kazru-find-replace>`
            : nothing
        }
        ${
          this.panel === 'history'
            ? html`<kazru-history .workbench=${wb} .tick=${this.tick}></kazru-history>`
            : nothing
        }
      </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-workbench-bar': WorkbenchBar;
  }
}
