/**
 * The peer: what many apps do instead, an Express 5 app keeping the flow in an
 * express-session stored in Redis by connect-redis, the same validation and the same
 * answer, no compare-and-set. `POST /onboarding` starts a session (Set-Cookie);
 * `PUT /onboarding/step/1` writes step 1 of the cookie's flow.
 * Usage: express-session.ts <redis url> <port>
 */
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import { createClient } from "redis";
import { stopOnSignals } from "../floors/http.ts";
import {
  etag,
  newRow,
  type Row,
  representation,
  submitPersonalInfo,
} from "../floors/onboarding.ts";

declare module "express-session" {
  interface SessionData {
    flow: Row;
  }
}

const [url = "", port = "0"] = process.argv.slice(2);

const client = createClient({ url });
client.on("error", () => undefined);
await client.connect();

const app = express();
app.use(express.json());
app.use(
  session({
    store: new RedisStore({ client }),
    secret: "waymark-bench-not-a-secret",
    resave: false,
    saveUninitialized: false,
    // Plain HTTP on 127.0.0.1, so not `secure`; the flow's 7-day ttl as the cookie's.
    cookie: { secure: false, httpOnly: true, sameSite: "lax", maxAge: 7 * 24 * 3_600_000 },
  }),
);
app.post("/onboarding", (req, res) => {
  const row = newRow(Date.now());
  req.session.flow = row;
  res.status(201).set({ "cache-control": "no-store", etag: etag(row) });
  res.json(representation(row));
});
app.put("/onboarding/step/1", (req, res) => {
  const row = req.session.flow;
  if (!row) return void res.status(404).json({ title: "Not found" });
  const next = submitPersonalInfo(row, req.body, Date.now());
  if (!next) return void res.status(422).json({ title: "Invalid" });
  req.session.flow = next;
  res.set({ "cache-control": "no-store", etag: etag(next) });
  res.json(representation(next));
});

stopOnSignals(app.listen(Number(port), "127.0.0.1"), () => client.close());
