/** The member's history, newest first, a page at a time: date, what happened, store, amount, points spent and earned. */
import { html, nothing } from "lit";
import type { WidgetHost } from "../host.ts";
import type { MemberData } from "../member-data.ts";
import type { Locale } from "../../shared/i18n.ts";
import type { HistoryItem } from "../../shared/types.ts";

export function renderHistory(w: WidgetHost, data: MemberData) {
  const l = w.locale;
  const m = l.m;
  const items = data.history;
  return html`
    <section part="section history" aria-labelledby="history-title" aria-busy=${data.historyLoading ? "true" : "false"}>
      <h3 id="history-title" part="section-title">${m.history}</h3>
      ${items === null ? html`<p part="hint">${m.loading}</p>`
        : items.length === 0 ? html`<p part="hint">${m.historyEmpty}</p>`
        : html`<ol part="history-list">${items.map((item) => renderItem(item, l))}</ol>`}
      ${data.historyCursor ? html`
        <button part="button more" type="button" ?disabled=${data.historyLoading} @click=${() => void data.moreHistory()}>${m.historyMore}</button>` : nothing}
    </section>
  `;
}

function renderItem(item: HistoryItem, l: Locale) {
  const m = l.m;
  const type = m.historyTypes[item.type] ?? item.type;
  const reason = item.type === "bonus" && item.reason ? m.bonusReasons[item.reason] ?? item.reason : item.reason;
  const title = item.type === "bonus" && reason ? reason : type;
  const details = [
    item.orderId ? m.historyOrder(item.orderId) : null,
    item.store ? m.historyStore(item.store) : null,
    item.amount !== null ? m.historyAmount(l, item.amount) : null,
    item.pointsSpent ? m.historySpent(l, item.pointsSpent) : null,
    item.pointsEarned ? m.historyEarned(l, item.pointsEarned) : null,
  ].filter(Boolean);
  const sign = item.points > 0 ? "+" : item.points < 0 ? "−" : "";
  return html`
    <li part="history-item" tabindex="-1">
      <div part="history-main">
        <span part="history-title">${title}</span>
        <span part="history-points ${item.points >= 0 ? "plus" : "minus"}">${sign}${l.points(Math.abs(item.points))}</span>
      </div>
      <div part="history-details">
        <time datetime=${item.at}>${l.date(item.at)}</time>${details.map((d) => html` · <span>${d}</span>`)}
      </div>
    </li>
  `;
}
