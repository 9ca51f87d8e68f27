/**
 * A deliberately naive second meter, the test oracle for `meter()`: one increment per expression, placed
 * exactly where that expression runs — after its last operand completes (an operator runs then and only
 * then), before a leaf, on entry to a `block`/`loop`, after an `if`'s condition. No control-flow reasoning,
 * so it is easy to check by eye; it is slow, which is why `meter()` counts per straight-line segment instead.
 */
import binaryen from "binaryen";
import { COSTS, type Cost, instrument } from "./meter.ts";
import { appendStatement, childSlots, className, type ExpressionRef, prependStatement, Scratch, setFunctionBody } from "./wasm-ir.ts";

export function meterEachExpression(wasm: Uint8Array, options: { cost?: keyof typeof COSTS | Cost } = {}): Uint8Array<ArrayBuffer> {
  const cost = typeof options.cost === "function" ? options.cost : COSTS[options.cost ?? "node"];
  return instrument(wasm, (module, counter, func, body) => {
    const scratch = new Scratch(func);
    const unreachable = (expr: ExpressionRef) => binaryen.getExpressionType(expr) === binaryen.unreachable;

    const visit = (expr: ExpressionRef): ExpressionRef => {
      const expressionClass = className(expr);
      const slots = childSlots(expr);
      for (const slot of slots) slot.set(visit(slot.get()));
      const amount = cost(expressionClass);
      if (amount === 0) return expr;
      const increment = counter.increment(amount).statement;

      if (expressionClass === "Block" || expressionClass === "Loop") return prependStatement(module, increment, expr);
      const operand = expressionClass === "If" ? slots[0] : slots.at(-1);
      if (operand === undefined) return prependStatement(module, increment, expr);
      const value = operand.get();
      // Operands that never complete: the expression never runs.
      if (!unreachable(value)) operand.set(appendStatement(module, scratch, value, increment));
      return expr;
    };
    setFunctionBody(func, visit(body));
  });
}
