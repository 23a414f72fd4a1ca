import { createHash } from "node:crypto";
import { directionOf } from "../i18n/catalogue.ts";
import { etagMatches } from "../service/preconditions.ts";

/**
 * A file served from memory (the wizard's and the docs page's scripts and styles, the
 * OpenAPI document), with a strong ETag from its content's hash.
 *
 * @example staticFile("body{}", "text/css; charset=utf-8").etag // '"…22 characters…"'
 */
export interface StaticFile {
  body: string;
  contentType: string;
  /** A strong ETag from the content's hash. */
  etag: string;
}

/** Wraps `body` as a {@link StaticFile}, its ETag the first 128 bits of its SHA-256. */
export function staticFile(body: string, contentType: string): StaticFile {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 22);
  return { body, contentType, etag: `"${hash}"` };
}

/** Answers a file, or 304 when `If-None-Match` names its ETag (RFC 9110 §13.1.2). */
export function serveStatic(request: Request, file: StaticFile): Response {
  const headers = {
    "content-type": file.contentType,
    "cache-control": "no-cache",
    etag: file.etag,
    "x-content-type-options": "nosniff",
  };
  if (etagMatches(request.headers.get("if-none-match") ?? undefined, file.etag, { weak: true })) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(file.body, { status: 200, headers });
}

/** Text made safe inside HTML elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * An HTML page of the server's own (the wizard's, the docs page): `head` and `body` are
 * markup, already escaped; `title` is text; `locale` sets `lang` and `dir`.
 *
 * @example htmlPage("Flows", "", "<main>…</main>", "ar") // <html lang="ar" dir="rtl">…
 */
export function htmlPage(title: string, head: string, body: string, locale = "en"): string {
  return `<!doctype html>
<html lang="${escapeHtml(locale)}" dir="${directionOf(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
${head}
</head>
<body>
${body}
</body>
</html>
`;
}
