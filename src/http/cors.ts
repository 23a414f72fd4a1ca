/**
 * Cross-origin access for browsers on other origins (CORS): the origins allowed to call
 * the API, answered in `Access-Control-Allow-Origin`.
 *
 * @example { origins: ["https://app.example.com"] }
 */
export interface CorsOptions {
  /** Exact origins (`https://app.example.com`), or `"*"` for any origin. */
  origins: readonly string[] | "*";
}
