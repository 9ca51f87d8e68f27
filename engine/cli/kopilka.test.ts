/** The `kopilka` CLI end to end (docs/cli.md): each test runs the real command in a child process. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const CLI = join(import.meta.dirname, "kopilka.ts");
const EXAMPLES = join(import.meta.dirname, "examples");
const dir = mkdtempSync(join(tmpdir(), "kopilka-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `kopilka …args` with the Node running the tests (the repository's Node 22). */
function kopilka(...args: string[]): Run {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status, stdout, stderr };
}

/** Writes `content` (JSON-encoded unless a string) to a temporary file and returns its path. */
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const example = (name: string) => join(EXAMPLES, name);

/** rate 10%, 1 point = 1.00 RUB, up to 30% payable with points; nothing else. */
const simpleProgram = {
  currency: "RUB",
  timezone: "Europe/Moscow",
  points: { value: 100 },
  earn: { rateBps: 1000 },
  redeem: { maxShareBps: 3000 },
};
const oneThousandRoubles = {
  at: "2026-11-23T10:15:00+03:00",
  lines: [{ id: "1", sku: "A-1", price: 100000, qty: 1 }],
};

describe("kopilka --help", () => {
  test("prints the usage and exits 0", () => {
    const run = kopilka("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("kopilka validate <program.json>");
    expect(run.stdout).toContain("kopilka quote --program <program.json> --receipt <receipt.json> [--customer <customer.json>]");
    expect(run.stderr).toBe("");
  });
});

describe("kopilka validate", () => {
  test("a valid program: a one-line summary, exit 0", () => {
    const run = kopilka("validate", example("program.json"));
    expect(run).toEqual({ status: 0, stdout: "valid: RUB, 3 tiers, 5 campaigns, 1 reward\n", stderr: "" });
  });

  test("counts in the singular and says when the program is paused", () => {
    const paused = file("paused.json", {
      ...simpleProgram,
      status: "paused",
      tiers: { levels: [{ id: "base", name: "Base", from: 0 }] },
      campaigns: [{ id: "c1", effect: { discountBps: 1000 } }],
    });
    expect(kopilka("validate", paused)).toEqual({
      status: 0,
      stdout: "valid: RUB, 1 tier, 1 campaign, 0 rewards, paused\n",
      stderr: "",
    });
  });

  test("an invalid program: every problem as `path: message`, exit 1", () => {
    const bad = file("bad-program.json", {
      currency: "RUB",
      points: { value: 0 },
      earn: { rateBps: -5 },
      redeem: { maxShareBps: 3000 },
      campaigns: [{ id: "x", effect: { discountBps: 20000 } }],
    });
    const run = kopilka("validate", bad);
    expect(run.status).toBe(1);
    expect(run.stdout.trimEnd().split("\n")).toEqual([
      "timezone: is required",
      "points.value: must be an integer between 1 and 1000000",
      "earn.rateBps: must be an integer between 0 and 10000",
      "campaigns[0].effect.discountBps: must be an integer between 1 and 10000",
    ]);
    expect(run.stderr).toBe("");
  });

  test("a file that is not JSON: exit 1 naming the file", () => {
    const broken = file("broken.json", '{"currency": "RUB",');
    const run = kopilka("validate", broken);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(new RegExp(`^kopilka: ${escape(broken)} is not valid JSON: .+\\n$`));
  });

  test("a missing file: exit 1 naming the file", () => {
    const missing = join(dir, "nowhere.json");
    const run = kopilka("validate", missing);
    expect(run).toEqual({ status: 1, stdout: "", stderr: `kopilka: cannot read ${missing}: no such file\n` });
  });
});

describe("kopilka quote", () => {
  test("rate 10%, value 100: 1 000.00 RUB → 100 points, the evaluation as pretty JSON", () => {
    const run = kopilka("quote", "--program", file("simple.json", simpleProgram), "--receipt", file("r.json", oneThousandRoubles));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const evaluation = JSON.parse(run.stdout);
    expect(run.stdout).toBe(`${JSON.stringify(evaluation, null, 2)}\n`);
    expect(evaluation).toMatchObject({
      subtotal: 100000,
      discount: 0,
      pointsSpent: 0,
      total: 100000,
      pointsEarned: 100,
      lines: [{ id: "1", amount: 100000, discount: 0, pointsPaid: 0, pointsEarned: 100 }],
      earned: [{ source: "purchase", points: 100 }],
      customer: { tier: null, balance: 0 },
    });
  });

  test("a customer snapshot's points pay for up to 30%", () => {
    const run = kopilka(
      "quote",
      "--program", file("simple.json", simpleProgram),
      "--receipt", file("r-max.json", { ...oneThousandRoubles, redeemPoints: "max" }),
      "--customer", file("c.json", { balance: 10000 }),
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      maxRedeemablePoints: 300,
      pointsSpent: 300,
      pointsSpentAmount: 30000,
      total: 70000,
      pointsEarned: 70,
      customer: { balance: 10000 },
    });
  });

  test("the examples in engine/cli/examples", () => {
    const run = kopilka(
      "quote",
      "--program", example("program.json"),
      "--receipt", example("receipt.json"),
      "--customer", example("customer.json"),
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject(EXAMPLE_EVALUATION);
  });

  test("an invalid receipt: exit 1 naming the file, every problem as `path: message`", () => {
    const receipt = file("bad-receipt.json", { lines: [{ id: "1", price: -1, qty: 1.5 }] });
    const run = kopilka("quote", "--program", example("program.json"), "--receipt", receipt);
    expect(run).toEqual({
      status: 1,
      stdout: "",
      stderr: [
        `kopilka: ${receipt} is not a valid receipt:`,
        "at: is required",
        "lines[0].price: must be an integer between 0 and 10^12",
        "lines[0].qty: must be an integer between 1 and 1000000",
        "",
      ].join("\n"),
    });
  });

  test("an invalid customer snapshot: exit 1 naming the file", () => {
    const customer = file("bad-customer.json", { balance: "lots" });
    const run = kopilka("quote", "--program", example("program.json"), "--receipt", example("receipt.json"), "--customer", customer);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `kopilka: ${customer} is not a valid customer snapshot:\nbalance: must be an integer between -10^15 and 10^15\n`,
    );
  });

  test("an invalid program: exit 1 naming the file", () => {
    const program = file("bad-quote-program.json", { ...simpleProgram, currency: undefined });
    const run = kopilka("quote", "--program", program, "--receipt", example("receipt.json"));
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`kopilka: ${program} is not a valid program:\ncurrency: is required\n`);
  });

  test("an unreadable receipt: exit 1 naming the file", () => {
    const run = kopilka("quote", "--program", example("program.json"), "--receipt", dir);
    expect(run).toEqual({ status: 1, stdout: "", stderr: `kopilka: cannot read ${dir}: it is a directory\n` });
  });
});

describe("usage errors exit 2 and point to --help", () => {
  test.each([
    [[], "no command given"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["validate"], "validate takes exactly one file: kopilka validate <program.json>"],
    [["quote", "--receipt", "r.json"], "quote needs --program <program.json>"],
    [["quote", "--program", "p.json"], "quote needs --receipt <receipt.json>"],
    [["quote", "--program"], "Option '--program <value>' argument missing"],
    [["quote", "--programme", "p.json"], "Unknown option '--programme'"],
  ])("kopilka %j", (args, message) => {
    const run = kopilka(...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`kopilka: ${message}`);
    expect(run.stderr).toContain('Run "kopilka --help" for usage.');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * What the example receipt (Monday 10:15, order no. 5, code "winter10", "max" points) gets for the example
 * customer (silver: spend 125 000.00 RUB, 1 250 points, a member), worked out by hand:
 * - coffee-third-free: 3 packs of coffee → the cheapest unit free: floor(267 000 × 1 / 3) = 89 000;
 * - winter10 (10% off accessories, on the amount left): 49 900 on the grinder, 5 900 on the mug;
 * - tier silver 3% on what is left: 5 340, 13 473, 1 593 (20 406); discount 165 206 in all;
 * - points: the mug is `promo` (not payable with points); cap floor(608 287 × 30%) = 182 486 → 1 824 points,
 *   the balance allows 1 250 = 125 000, allocated pro rata 35 481 / 89 519;
 * - earning: silver 7% × 2 (morning-x2) on what is paid in money: 534 794 × 14% / 100 = 748.71 → 748 points
 *   (192 + 484 + 72);
 * - free-shipping-3000: subtotal 825 000 ≥ 300 000, so shipping is 0; next tier gold is 17 500 000 away.
 */
const EXAMPLE_EVALUATION = {
  subtotal: 825000,
  discount: 165206,
  pointsSpent: 1250,
  pointsSpentAmount: 125000,
  maxRedeemablePoints: 1250,
  shipping: 0,
  total: 534794,
  pointsEarned: 748,
  freeShipping: true,
  lines: [
    {
      id: "1",
      amount: 267000,
      discount: 94340,
      discounts: [
        { campaign: "coffee-third-free", amount: 89000 },
        { campaign: "tier:silver", amount: 5340 },
      ],
      pointsPaid: 35481,
      pointsEarned: 192,
    },
    {
      id: "2",
      amount: 499000,
      discount: 63373,
      discounts: [
        { campaign: "winter10", amount: 49900 },
        { campaign: "tier:silver", amount: 13473 },
      ],
      pointsPaid: 89519,
      pointsEarned: 484,
    },
    {
      id: "3",
      amount: 59000,
      discount: 7493,
      discounts: [
        { campaign: "winter10", amount: 5900 },
        { campaign: "tier:silver", amount: 1593 },
      ],
      pointsPaid: 0,
      pointsEarned: 72,
    },
  ],
  campaigns: [
    { id: "coffee-third-free", discount: 89000, points: 0 },
    { id: "morning-x2", discount: 0, points: 0 },
    { id: "winter10", discount: 55800, points: 0 },
    { id: "free-shipping-3000", discount: 0, points: 0 },
    { id: "tier:silver", discount: 20406, points: 0 },
  ],
  earned: [{ source: "purchase", points: 748 }],
  nudges: [{ type: "tier", tier: "gold", amountLeft: 17500000 }],
  customer: { tier: "silver", balance: 1250 },
};
