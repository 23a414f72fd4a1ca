import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** examples/nginx/: the configuration users copy, run here as it is, but for its ports and paths. */
export const nginxExample = fileURLToPath(new URL("../examples/nginx/", import.meta.url));

/** The places of waymark.conf that a deployment adjusts; everything else stays as shipped. */
export interface WaymarkConfPlaces {
  /** `host:port` of each Waymark instance, in the upstream block. */
  upstreams: string[];
  /** What nginx listens on: `8080`, `127.0.0.1:8080`. */
  listen: string;
  /** The access log's path (private format). */
  accessLog: string;
  /** The error log's path. */
  errorLog: string;
}

const upstreamLines =
  /^([ \t]*)server[ \t]+127\.0\.0\.1:3001([ \t][^;\n]*)?;\n(?:[ \t]*server[ \t]+127\.0\.0\.1:\d+[^;\n]*;\n)*/m;

/**
 * examples/nginx/waymark.conf with its marked places filled in: the upstream's `server`
 * lines (one per instance, each with the parameters of the shipped first line), the
 * `listen` port and the two log paths. Throws if the file no longer has one of those
 * places exactly once, so a change to the shipped file cannot slip past its users.
 *
 * @example renderWaymarkConf(source, { upstreams: ["127.0.0.1:4001"], listen: "127.0.0.1:8080", accessLog: "logs/access.log", errorLog: "logs/error.log" })
 */
export function renderWaymarkConf(source: string, places: WaymarkConfPlaces): string {
  if (places.upstreams.length === 0) throw new Error("at least one upstream is needed");
  const exactlyOnce = (text: string, pattern: RegExp, replace: (...groups: string[]) => string) => {
    const global = new RegExp(pattern.source, `${pattern.flags.replace("g", "")}g`);
    const found = text.match(global)?.length ?? 0;
    if (found !== 1) throw new Error(`waymark.conf: expected one ${pattern} but found ${found}`);
    return text.replace(pattern, (...match: string[]) => replace(...match));
  };
  let text = exactlyOnce(source, upstreamLines, (_all, indent = "", parameters = "") =>
    places.upstreams.map((address) => `${indent}server ${address}${parameters};\n`).join(""),
  );
  text = exactlyOnce(text, /^([ \t]*)listen[ \t]+8080;/m, (_all, indent = "") => {
    return `${indent}listen ${places.listen};`;
  });
  text = exactlyOnce(text, /\/var\/log\/nginx\/waymark-access\.log/, () => places.accessLog);
  text = exactlyOnce(text, /\/var\/log\/nginx\/waymark-error\.log/, () => places.errorLog);
  return text;
}

/** The nginx binary: on the PATH, or where Debian puts it (/usr/sbin is not on every PATH). */
export function nginxBinary(): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    const file = join(dir, "nginx");
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error("nginx is not installed: apt-get install -y nginx");
}

/** A prefix directory holding examples/nginx/nginx.conf and a filled-in waymark.conf. */
export interface NginxPrefix {
  dir: string;
  /** The main configuration file, to pass to `nginx -c`. */
  conf: string;
  accessLog: string;
  errorLog: string;
}

/**
 * Writes a fresh prefix directory (under the system's temporary folder) for nginx to run
 * examples/nginx/ in, with waymark.conf filled in for `upstreams` and `listen`.
 */
export function preparePrefix(upstreams: string[], listen: string): NginxPrefix {
  const dir = mkdtempSync(join(tmpdir(), "waymark-nginx-"));
  // nginx's workers drop root privileges and still need to reach the temp folders.
  chmodSync(dir, 0o755);
  for (const sub of ["logs", "temp"]) mkdirSync(join(dir, sub));
  const accessLog = join(dir, "logs", "waymark-access.log");
  const errorLog = join(dir, "logs", "waymark-error.log");
  const source = readFileSync(join(nginxExample, "waymark.conf"), "utf8");
  writeFileSync(
    join(dir, "waymark.conf"),
    renderWaymarkConf(source, { upstreams, listen, accessLog, errorLog }),
  );
  const conf = join(dir, "nginx.conf");
  writeFileSync(conf, readFileSync(join(nginxExample, "nginx.conf"), "utf8"));
  return { dir, conf, accessLog, errorLog };
}

/** A running nginx. */
export interface RunningNginx extends NginxPrefix {
  /** `http://127.0.0.1:PORT/`, without the trailing slash. */
  url: string;
  child: ChildProcess;
  /** Stops nginx (fast shutdown) and removes its prefix directory. */
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with examples/nginx/ for `upstreams`, listening on
 * 127.0.0.1:`port`, and resolves once the port accepts connections.
 */
export async function startNginx(upstreams: string[], port: number): Promise<RunningNginx> {
  const binary = nginxBinary();
  const prefix = preparePrefix(upstreams, `127.0.0.1:${port}`);
  const child = spawn(binary, ["-p", prefix.dir, "-c", prefix.conf, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(prefix.dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { ...prefix, url: `http://127.0.0.1:${port}`, child, stop };
}

/** Whether 127.0.0.1:`port` accepts a TCP connection. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
