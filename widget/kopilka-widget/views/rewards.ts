/** Rewards to buy with points, the coupon just issued (copyable) and the member's coupons. */
import { html, nothing } from "lit";
import type { WidgetHost } from "../host.ts";
import type { MemberData } from "../member-data.ts";

export function renderRewards(w: WidgetHost, data: MemberData) {
  const me = w.customer!;
  const rewards = w.program!.program.rewards ?? [];
  const l = w.locale;
  const m = l.m;
  const coupons = me.coupons.filter((c) => c.state === "active" && c.code !== data.coupon?.code);
  if (rewards.length === 0 && coupons.length === 0 && !data.coupon) return nothing;
  const copied = data.copied === "coupon-code";
  const failed = data.copied === "failed:coupon-code";
  return html`
    <section part="section rewards" aria-labelledby="rewards-title">
      <h3 id="rewards-title" part="section-title">${m.rewards}</h3>
      ${data.coupon ? html`
        <div part="coupon" role="group" aria-labelledby="coupon-title">
          <p id="coupon-title" part="coupon-title">${m.couponIssued}: ${data.coupon.name}</p>
          <div part="copy-row">
            <input id="coupon-code" part="input coupon-code" type="text" readonly .value=${data.coupon.code}
              aria-labelledby="coupon-title" @focus=${(e: Event) => (e.target as HTMLInputElement).select()} />
            <button part="button copy" type="button" @click=${() => void data.copy("coupon-code", data.coupon!.code)}>${copied ? m.copied : m.copy}</button>
          </div>
          ${data.coupon.expiresAt ? html`<p part="hint">${m.couponValidUntil(l.date(data.coupon.expiresAt))}</p>` : nothing}
          <p part="hint" role="status">${copied ? m.copied : failed ? m.copyFailed : ""}</p>
        </div>` : nothing}
      <ul part="reward-list">
        ${rewards.map((r) => {
          const missing = r.cost - me.balance;
          const busy = w.busy === `redeem:${r.id}`;
          return html`
            <li part="reward">
              <div part="reward-text">
                <span part="reward-name">${r.name}</span>
                <span part="reward-cost">${l.points(r.cost)}</span>
                ${missing > 0 ? html`<span part="hint">${m.notEnough(l, missing)}</span>` : nothing}
              </div>
              <button part="button redeem" type="button" ?disabled=${missing > 0 || w.busy !== null}
                aria-busy=${busy ? "true" : "false"} aria-label=${m.redeemFor(l, r.name, r.cost)}
                @click=${() => void data.redeem(r.id)}>${m.redeem}</button>
            </li>`;
        })}
      </ul>
      ${coupons.length > 0 ? html`
        <h4 part="subtitle">${m.myCoupons}</h4>
        <ul part="coupons">
          ${coupons.map((c) => html`<li part="coupon-item"><span>${c.name}</span> <code>${c.code}</code>
            ${c.expiresAt ? html`<span part="hint">${m.couponValidUntil(l.date(c.expiresAt))}</span>` : nothing}</li>`)}
        </ul>` : nothing}
    </section>
  `;
}
