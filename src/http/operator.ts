import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/** The shortest operator token accepted: 32 characters, as `openssl rand -base64 24` gives. */
export const minAdminTokenLength = 32;

/**
 * Checks an operator token's shape; the token itself is never put in the message.
 *
 * @throws Error for a token under {@link minAdminTokenLength} characters, or with
 *   characters outside printable ASCII (it travels in a header).
 * @example checkAdminToken(process.env.WAYMARK_ADMIN_TOKEN)
 */
export function checkAdminToken(token: string): void {
  if (token.length < minAdminTokenLength) {
    throw new Error(
      `adminToken must be at least ${minAdminTokenLength} characters (it has ${token.length}); generate one with: openssl rand -base64 32`,
    );
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new Error("adminToken must be printable ASCII with no spaces");
  }
}

/**
 * Whether a request carries the operator token: `Authorization: Bearer <token>`, or
 * HTTP Basic with any user name and the token as password (what a browser sends once
 * asked). Compared in constant time, as SHA-256 digests so that the length does not
 * show either.
 */
function carriesToken(request: Request, token: string): boolean {
  const header = request.headers.get("authorization") ?? "";
  const [scheme = "", value = ""] = header.trim().split(/\s+/, 2);
  let given: string | undefined;
  if (scheme.toLowerCase() === "bearer") given = value;
  else if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    given = colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(token));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Answers 401 unless the request carries the operator token (see {@link carriesToken}).
 * `basic` invites a browser to ask for it (`WWW-Authenticate: Basic`), and answers an
 * HTML page to a client that accepts one; otherwise the challenge is `Bearer` and the
 * body problem+json.
 */
export function requireToken(token: string, challenge: "basic" | "bearer"): MiddlewareHandler {
  return async (c, next) => {
    if (carriesToken(c.req.raw, token)) return next();
    const realm =
      challenge === "basic"
        ? 'Basic realm="Waymark admin", charset="UTF-8"'
        : 'Bearer realm="Waymark metrics"';
    const headers = { "www-authenticate": realm, "cache-control": "no-store" };
    const wantsHtml = challenge === "basic" && (c.req.header("accept") ?? "").includes("text/html");
    if (wantsHtml) {
      return c.html(unauthorizedPage, 401, {
        ...headers,
        "content-security-policy": "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      });
    }
    return c.body(JSON.stringify(unauthorizedProblem), 401, {
      ...headers,
      "content-type": "application/problem+json",
    });
  };
}

const unauthorizedProblem = {
  type: "urn:waymark:problem:unauthorized",
  title: "The operator token is required",
  status: 401,
  detail: "Send Authorization: Bearer <token>, or HTTP Basic with the token as password",
};

const unauthorizedPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign-in required · Waymark admin</title></head>
<body><main><h1>Sign-in required</h1><p>These pages need the operator token (<code>WAYMARK_ADMIN_TOKEN</code>): give it as the password, with any user name.</p></main></body></html>
`;
