/** Who a widget request comes from: for per-IP rate limits and the language of the code's message. */
export interface Caller {
  ip: string;
  locale: string | undefined;
}
