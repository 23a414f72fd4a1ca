import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Yaml } from "@stoplight/spectral-parsers";
import { afterAll, describe, expect, it } from "vitest";
import { nginxBinary, nginxExample, preparePrefix, renderWaymarkConf } from "../scripts/nginx.ts";

const run = promisify(execFile);
const shipped = readFileSync(join(nginxExample, "waymark.conf"), "utf8");
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** `nginx -t` on `conf` with `dir` as its prefix: resolves its output, rejects on failure. */
async function nginxTest(dir: string, conf: string): Promise<string> {
  const { stderr } = await run(nginxBinary(), ["-t", "-p", dir, "-c", conf]);
  return stderr;
}

/** A prefix holding examples/nginx/nginx.conf and `waymark` as its waymark.conf. */
function prefixWith(waymark: string): { dir: string; conf: string } {
  const dir = mkdtempSync(join(tmpdir(), "waymark-nginx-test-"));
  made.push(dir);
  for (const sub of ["logs", "temp"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "waymark.conf"), waymark);
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, readFileSync(join(nginxExample, "nginx.conf"), "utf8"));
  return { dir, conf };
}

describe("examples/nginx", () => {
  it("passes nginx -t with its instances, port and logs filled in as the tests and npm run cluster do", async () => {
    const prefix = preparePrefix(["127.0.0.1:4001", "127.0.0.1:4002"], "127.0.0.1:4000");
    made.push(prefix.dir);
    expect(await nginxTest(prefix.dir, prefix.conf)).toContain("test is successful");
    const filled = readFileSync(join(prefix.dir, "waymark.conf"), "utf8");
    expect(filled).toContain("server 127.0.0.1:4001 max_fails=1 fail_timeout=2s;\n");
    expect(filled).toContain("server 127.0.0.1:4002 max_fails=1 fail_timeout=2s;\n");
    expect(filled).not.toContain(":3003");
    expect(filled).toContain("listen 127.0.0.1:4000;");
  });

  it("is filled in only where marked: a changed place fails loudly", () => {
    const places = { upstreams: ["127.0.0.1:1"], listen: "1", accessLog: "a", errorLog: "e" };
    expect(() => renderWaymarkConf(shipped.replace("listen 8080;", "listen 80;"), places)).toThrow(
      /listen/,
    );
    expect(() =>
      renderWaymarkConf(shipped.replaceAll("127.0.0.1:3001", "10.0.0.1:3001"), places),
    ).toThrow(/server/);
    expect(() => renderWaymarkConf(shipped, { ...places, upstreams: [] })).toThrow();
  });

  it("holds the settings the README promises", () => {
    for (const line of [
      "keepalive 32;",
      "proxy_http_version 1.1;",
      'proxy_set_header Connection "";',
      "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
      "proxy_connect_timeout 1s;",
      "proxy_next_upstream error timeout;",
      "proxy_next_upstream_tries 3;",
      "proxy_buffering off;",
      "large_client_header_buffers 4 16k;",
      "proxy_buffer_size 16k;",
      "proxy_buffers 8 16k;",
    ]) {
      expect(shipped).toContain(line);
    }
    // No stickiness, no retry of a POST once sent, no retry of a store-down 503.
    expect(shipped).not.toMatch(/^\s*(ip_hash|hash|sticky)\b/m);
    expect(shipped).not.toMatch(/^\s*proxy_next_upstream [^;]*(non_idempotent|http_503)/m);
    // The access log's format never names the URI, its arguments, the Referer or credentials.
    const format = shipped.slice(
      shipped.indexOf("log_format"),
      shipped.indexOf("upstream waymark"),
    );
    expect(format).not.toMatch(
      /\$(request|request_uri|uri|args|query_string|http_referer|http_authorization)\b/,
    );
  });

  // Regression: the README's token-mode snippet set proxy_buffer_size 16k alone, which nginx
  // refuses ("proxy_busy_buffers_size" must be less than the size of all "proxy_buffers").
  it("accepts the README's token-mode snippet, which needs proxy_buffers beside proxy_buffer_size", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const snippet = readme.match(/\(nginx:\s*`(large_client_header_buffers[^`]*)`\)/)?.[1];
    expect(snippet).toBe(
      "large_client_header_buffers 4 16k; proxy_buffer_size 16k; proxy_buffers 8 16k;",
    );
    const server = (lines: string) =>
      `server {\n  listen 127.0.0.1:4000;\n  ${lines}\n  location / { proxy_pass http://127.0.0.1:4001; }\n}\n`;
    const accepted = prefixWith(server(snippet ?? ""));
    expect(await nginxTest(accepted.dir, accepted.conf)).toContain("test is successful");
    const without = prefixWith(server((snippet ?? "").replace("proxy_buffers 8 16k;", "")));
    await expect(nginxTest(without.dir, without.conf)).rejects.toThrow(/proxy_busy_buffers_size/);
  });
});

describe("examples/compose", () => {
  const compose = new URL("../examples/compose/", import.meta.url);
  const parsed = Yaml.parse(readFileSync(new URL("docker-compose.yml", compose), "utf8"));
  const services = (parsed.data as { services: Record<string, Record<string, unknown>> }).services;

  it("is valid YAML with three Waymark instances built from the repository, PostgreSQL 15 and nginx", () => {
    expect(parsed.diagnostics).toEqual([]);
    expect(Object.keys(services).sort()).toEqual([
      "nginx",
      "postgres",
      "waymark-1",
      "waymark-2",
      "waymark-3",
    ]);
    expect(services.postgres?.image).toBe("postgres:15");
    for (const name of ["waymark-1", "waymark-2", "waymark-3"]) {
      expect(services[name]?.build).toEqual({
        context: "../..",
        dockerfile: "examples/compose/Dockerfile",
      });
      const environment = services[name]?.environment as Record<string, string>;
      expect(environment.WAYMARK_STORE).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      // A plain YAML scalar holding ": " would turn into a mapping: the check stays a string.
      const healthcheck = services[name]?.healthcheck as { test: unknown };
      expect(healthcheck.test).toEqual(["CMD", "node", "-e", expect.stringContaining("/readyz")]);
    }
  });

  it("builds with an exec-form CMD from files that exist", () => {
    const dockerfile = readFileSync(new URL("Dockerfile", compose), "utf8");
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/waymark\.js", "serve"/m);
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const path of (source ?? "").split(" ")) {
        expect(existsSync(new URL(path, new URL("../", import.meta.url))), path).toBe(true);
      }
    }
  });

  it("runs examples/nginx/waymark.conf through its own sed into a configuration nginx -t accepts", async () => {
    const command = (services.nginx?.command as string[] | undefined)?.[2] ?? "";
    const [sed] = command.split(" && exec nginx");
    const dir = mkdtempSync(join(tmpdir(), "waymark-compose-test-"));
    made.push(dir);
    const out = join(dir, "from-compose.conf");
    const script = (sed ?? "")
      .replace("/etc/waymark/waymark.conf", join(nginxExample, "waymark.conf"))
      .replace("/etc/nginx/conf.d/default.conf", out);
    await run("sh", ["-c", script]);
    const rendered = readFileSync(out, "utf8");
    for (const n of [1, 2, 3]) expect(rendered).toContain(`server waymark-${n}:3000 max_fails=1`);
    expect(rendered).not.toContain("127.0.0.1:300");
    expect(rendered).toContain("access_log /dev/stdout waymark_private;");
    // The compose names resolve only inside Docker's network, and a test's output may be
    // no file nginx can open: here they become local ports and files.
    const local = rendered
      .replace(/waymark-(\d):3000/g, "127.0.0.1:400$1")
      .replace("/dev/stdout", join(dir, "access.log"))
      .replace("/dev/stderr", join(dir, "error.log"));
    const prefix = prefixWith(local);
    expect(await nginxTest(prefix.dir, prefix.conf)).toContain("test is successful");
  });
});
