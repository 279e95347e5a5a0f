/**
 * queue_log lines as rows of the `queue_log` table Asterisk's realtime uses (res_config_pgsql,
 * contrib/ast-db-manage queue_log): time, callid, queuename, agent, event, data1..data5. Each batch
 * is one transaction with its checkpoint row in `acd_queue_log_export`, so rows are never lost nor
 * doubled across restarts.
 */
import pg from 'pg';
import { START, type Checkpoint, type QueueLogSink } from './exporter.js';
import type { QueueLogLine } from './format.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_log (
  id BIGSERIAL PRIMARY KEY,
  time TIMESTAMP,
  callid VARCHAR(80),
  queuename VARCHAR(256),
  agent VARCHAR(80),
  event VARCHAR(32),
  data1 VARCHAR(100),
  data2 VARCHAR(100),
  data3 VARCHAR(100),
  data4 VARCHAR(100),
  data5 VARCHAR(100)
);
CREATE TABLE IF NOT EXISTS acd_queue_log_export (
  name VARCHAR(80) PRIMARY KEY,
  last_id VARCHAR(40) NOT NULL,
  calls JSONB NOT NULL
);`;

const COLUMNS = 10;

/** `name` tells this export's checkpoint from others writing to the same database (one per tenant). */
export function createPgSink(connectionString: string, name: string): QueueLogSink {
  const pool = new pg.Pool({ connectionString, max: 2 });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  return {
    name: `pg:${name}`,
    async restore() {
      await pool.query(SCHEMA);
      const { rows } = await pool.query<{ last_id: string; calls: Checkpoint['calls'] }>('SELECT last_id, calls FROM acd_queue_log_export WHERE name = $1', [name]);
      return rows[0] ? { lastId: rows[0].last_id, calls: rows[0].calls } : START;
    },
    async commit(lines, next) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (lines.length > 0) {
          const values = lines.map((_, i) => `(to_timestamp($${i * COLUMNS + 1}) AT TIME ZONE 'UTC', ${Array.from({ length: COLUMNS - 1 }, (__, j) => `$${i * COLUMNS + j + 2}`).join(', ')})`);
          await client.query(`INSERT INTO queue_log (time, callid, queuename, agent, event, data1, data2, data3, data4, data5) VALUES ${values.join(', ')}`, lines.flatMap(rowOf));
        }
        await client.query(
          'INSERT INTO acd_queue_log_export (name, last_id, calls) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET last_id = EXCLUDED.last_id, calls = EXCLUDED.calls',
          [name, next.lastId, JSON.stringify(next.calls)],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

function rowOf(l: QueueLogLine): (string | number)[] {
  const data = Array.from({ length: 5 }, (_, i) => String(l.data[i] ?? ''));
  return [l.time, l.callId, l.queue, l.agent, l.event, ...data];
}
