import pg from "pg";
import { inject } from "vitest";

/**
 * A new, empty database on the run's PostgreSQL server (the "stores" project's global
 * setup starts it); dropped by the returned function.
 */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = inject("postgresUrl");
  const name = `t_${crypto.randomUUID().replaceAll("-", "")}`;
  const client = new pg.Client(admin);
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return {
    url: admin.replace(/\/postgres$/, `/${name}`),
    async drop() {
      const dropper = new pg.Client(admin);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
