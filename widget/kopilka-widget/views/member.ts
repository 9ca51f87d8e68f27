/** A member: balance, tier and progress, expiring points, then ways to earn, rewards and history. */
import { html, nothing } from "lit";
import type { WidgetHost } from "../host.ts";
import type { JoinFlow } from "../join-flow.ts";
import type { MemberData } from "../member-data.ts";
import type { Me, Program } from "../../shared/types.ts";
import type { Locale } from "../../shared/i18n.ts";
import { renderEarn } from "./earn.ts";
import { renderHistory } from "./history.ts";
import { renderNotice } from "./notice.ts";
import { renderRewards } from "./rewards.ts";

export function renderMember(w: WidgetHost, flow: JoinFlow, data: MemberData) {
  const me = w.customer!;
  const program = w.program!.program;
  const l = w.locale;
  const m = l.m;
  const welcome = program.bonuses?.welcome;
  return html`
    ${renderNotice(w.notice)}
    ${w.pendingVerification() && me.verification ? html`
      <div part="message verify-reminder" role="note">
        <p>${m.verifyPending(l, welcome?.points ?? 0, me.verification.channel)}</p>
        <button part="button" type="button" ?disabled=${w.busy !== null}
          @click=${() => void flow.startVerification(me.verification!.channel)}>${m.verifyNow}</button>
      </div>` : nothing}
    <section part="section summary" aria-labelledby="hello">
      <h3 id="hello" part="section-title">${m.hello(me.name)}</h3>
      <p part="balance">
        <span part="balance-label">${m.balance}</span>
        <span part="balance-value"><strong>${l.number(me.balance)}</strong> ${l.pointsWord(me.balance)}</span>
      </p>
      ${me.pending > 0 ? html`<p part="pending">${m.pending(l, me.pending)}</p>` : nothing}
      ${renderTier(me, program, l)}
      ${renderExpiring(me, l)}
    </section>
    ${renderEarn(w, data)}
    ${renderRewards(w, data)}
    ${renderHistory(w, data)}
    ${w.customerToken ? nothing : html`
      <p part="footer"><button part="link-button logout" type="button" @click=${() => w.logout()}>${m.signOut}</button></p>`}
  `;
}

function renderTier(me: Me, program: Program, l: Locale) {
  const levels = program.tiers?.levels ?? [];
  if (levels.length === 0) return nothing;
  const m = l.m;
  const current = levels.find((t) => t.id === me.tier);
  const next = me.nextTier ? levels.find((t) => t.id === me.nextTier!.id) : undefined;
  let progress = 100;
  if (me.nextTier && next) {
    const from = current?.from ?? 0;
    const span = next.from - from;
    progress = span > 0 ? Math.max(0, Math.min(100, Math.floor(((span - me.nextTier.amountLeft) / span) * 100))) : 0;
  }
  return html`
    <div part="tier">
      <p part="tier-line">
        <span part="tier-label">${m.tier}</span>
        <span part="tier-badge" data-tier=${current?.id ?? ""}>${current?.name ?? "—"}</span>
      </p>
      ${me.nextTier && next ? html`
        <div part="progress" role="progressbar" aria-label=${m.progressLabel(next.name)} aria-valuemin="0" aria-valuemax="100"
          aria-valuenow=${progress} aria-valuetext=${m.nextTier(l, me.nextTier.amountLeft, next.name)}>
          <div part="progress-bar" style="width: ${progress}%"></div>
        </div>
        <p part="tier-next">${m.nextTier(l, me.nextTier.amountLeft, next.name)}</p>`
        : html`<p part="tier-next">${m.topTier}</p>`}
    </div>
  `;
}

function renderExpiring(me: Me, l: Locale) {
  if (me.expiring.length === 0) return nothing;
  // Lots that expire on the same day (in the program's time zone) are one line.
  const byDay = new Map<string, number>();
  for (const e of me.expiring) byDay.set(l.date(e.at), (byDay.get(l.date(e.at)) ?? 0) + e.points);
  return html`
    <div part="expiring">
      <h4 part="subtitle">${l.m.expiring}</h4>
      <ul>${[...byDay].map(([day, points]) => html`<li>${l.m.expiringItem(l, points, day)}</li>`)}</ul>
    </div>
  `;
}
