/** "How it works": the public program in a visitor's words — earning, paying with points, welcome points, tiers, rewards. */
import { html, nothing } from "lit";
import type { Locale } from "../../shared/i18n.ts";
import type { Program } from "../../shared/types.ts";

export function renderProgram(program: Program, l: Locale) {
  const m = l.m;
  const levels = program.tiers?.levels ?? [];
  const rewards = program.rewards ?? [];
  return html`
    <section part="section program" aria-labelledby="how">
      <h3 id="how" part="section-title">${m.howItWorks}</h3>
      ${program.status === "paused" ? html`<p part="message" role="note">${m.paused}</p>` : nothing}
      <ul part="facts">
        <li part="fact">${program.earn.step
          ? m.earnStep(l, program.earn.step.every, program.earn.step.points)
          : m.earnRate(l, levels.find((t) => t.from === 0)?.rateBps ?? program.earn.rateBps)}</li>
        <li part="fact">${m.pointValue(l, program.points.value)}</li>
        <li part="fact">${m.redeemShare(l, program.redeem.maxShareBps, program.redeem.minOrder ?? 0)}</li>
        ${program.points.expiryDays ? html`<li part="fact">${m.expiry(program.points.expiryDays)}</li>` : nothing}
      </ul>
      ${levels.length > 0 ? html`
        <h4 part="subtitle">${m.tiers}</h4>
        <ol part="tiers">
          ${levels.map((t) => html`
            <li part="tier-item">
              <strong>${t.name}</strong>
              <span>${[
                m.tierFrom(l, t.from),
                t.rateBps !== undefined ? m.tierRate(l, t.rateBps) : null,
                t.discountBps ? m.tierDiscount(l, t.discountBps) : null,
                t.freeShipping ? m.tierFreeShipping : null,
              ].filter(Boolean).join(" · ")}</span>
            </li>`)}
        </ol>` : nothing}
      ${rewards.length > 0 ? html`
        <h4 part="subtitle">${m.rewards}</h4>
        <ul part="reward-list">
          ${rewards.map((r) => html`<li part="reward-item"><span>${r.name}</span> <strong>${l.points(r.cost)}</strong></li>`)}
        </ul>` : nothing}
    </section>
  `;
}
