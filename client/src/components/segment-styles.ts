/** Styles of `<kazru-segment-list>`: the scroll container, its rows and the segment cards. */
import { css } from 'lit';

export const segmentStyles = css`
  /* The scroll container; its padding leaves room for the focus ring of the rows. */
  .scroller {
    position: relative;
    max-height: max(18rem, 70vh);
    overflow-y: auto;
    overflow-anchor: none;
    padding: 6px;
    border: 1px solid #e3e8ef;
    border-radius: 10px;
  }
  /* As tall as all rows; the rendered ones sit in it, moved down to where they belong. */
  .sizer {
    position: relative;
  }
  ol {
    list-style: none;
    padding: 0;
    margin: 0;
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
  }
  /* Rows are measured as rendered: the gap between cards is part of each row. */
  li.row {
    padding-bottom: 0.5rem;
  }
  .placeholder {
    height: 100%;
    border: 1px dashed #d6dce5;
    border-radius: 8px;
    padding: 0.5rem 0.75rem;
  }
  .seg {
    border: 1px solid #d6dce5;
    border-left: 6px solid var(--c);
    border-radius: 8px;
    padding: 0.5rem 0.75rem;
    background: #fff;
  }
  .seg:hover {
    background: #f8fafc;
  }
  .seg.active {
    background: #fff7d6;
    border-color: #d6a700;
    border-left-color: var(--c);
    box-shadow: 0 0 0 1px #d6a700;
  }
  .seg-head {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 0.75rem;
    align-items: baseline;
    font-size: 0.9rem;
  }
  .time {
    font-variant-numeric: tabular-nums;
    color: #374151;
  }
  .badge {
    font-size: 0.75rem;
    border: 1px solid #6b7280;
    color: #374151;
    border-radius: 4px;
    padding: 0 0.3rem;
  }
  .text {
    margin: 0.25rem 0 0;
    line-height: 1.5;
    overflow-wrap: anywhere;
    white-space: pre-wrap;
    border-radius: 4px;
  }
  .text[role='button'] {
    cursor: text;
  }
  .text[role='button']:hover {
    background: #eef2f8;
  }
  /* The head's controls: compact, so the row stays one line on a wide screen. */
  .seg-head button,
  .seg-head select {
    min-height: 1.9rem;
    padding: 0.15rem 0.5rem;
    font-size: 0.85rem;
  }
  .play {
    border-color: #c3cad6;
  }
  .badge.edited {
    border-color: #047857;
    color: #065f46;
  }
  .tools {
    display: flex;
    flex-wrap: wrap;
    gap: 0.35rem;
    margin-left: auto;
  }
  .speaker-menu {
    border: 1px solid #8a94a6;
    border-radius: 6px;
    background: #fff;
    max-width: 12rem;
  }
  .editor {
    margin-top: 0.35rem;
  }
  textarea.edit {
    width: 100%;
    font: inherit;
    line-height: 1.5;
    padding: 0.35rem 0.5rem;
    border: 2px solid var(--c);
    border-radius: 6px;
    resize: vertical;
  }
  .editor-actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin-top: 0.35rem;
  }
  .hint {
    font-size: 0.85rem;
  }
  .conflict {
    margin-top: 0.5rem;
    border: 2px solid #b45309;
    background: #fffbeb;
    border-radius: 6px;
    padding: 0.4rem 0.6rem;
  }
  .conflict p {
    margin: 0 0 0.25rem;
    font-weight: 600;
  }
  .theirs {
    margin: 0;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
`;
