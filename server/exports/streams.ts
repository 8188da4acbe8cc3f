import { createHash } from "node:crypto";
import { PassThrough, Readable, Transform, type TransformCallback } from "node:stream";
import { finished } from "node:stream/promises";
import { ZipArchive } from "archiver";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import QueryStream from "pg-query-stream";
import { parseDatabaseUrl } from "../db/connection";
import { requireDatabaseUrl } from "../env";
import { casesQuery, ratingsQuery, reportsQuery } from "./sql";

/**
 * Exports stream from their own connection, so a 200,000-row study never sits in memory:
 * CSV comes straight out of PostgreSQL's COPY, JSON Lines row by row through a cursor.
 */
async function connect(): Promise<pg.Client> {
  const client = new pg.Client({
    ...parseDatabaseUrl(requireDatabaseUrl()),
    application_name: "blindread-export",
  });
  await client.connect();
  return client;
}

function closeWhenDone(stream: Readable, client: pg.Client): Readable {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    void client.end();
  };
  stream.once("end", close);
  stream.once("error", close);
  stream.once("close", close);
  return stream;
}

/** CSV with a header row, RFC 4180 quoting (PostgreSQL's CSV format). */
export async function streamCsv(query: string): Promise<Readable> {
  const client = await connect();
  const copy = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
  return closeWhenDone(copy, client);
}

class JsonLines extends Transform {
  constructor() {
    super({ writableObjectMode: true });
  }
  override _transform(row: unknown, _enc: BufferEncoding, done: TransformCallback) {
    done(null, JSON.stringify(row) + "\n");
  }
}

/** One JSON object per line; numbers stay numbers and SQL nulls become JSON null. */
export async function streamJsonl(query: string): Promise<Readable> {
  const client = await connect();
  const rows = client.query(new QueryStream(query, [], { batchSize: 1000 }));
  const out = rows.pipe(new JsonLines());
  rows.once("error", (e) => out.destroy(e));
  return closeWhenDone(out, client);
}

export const streamRatingsCsv = (studyId: string) => streamCsv(ratingsQuery(studyId));
export const streamRatingsJsonl = (studyId: string) => streamJsonl(ratingsQuery(studyId));

export interface BundleInputs {
  studyId: string;
  protocol: unknown;
  results: unknown;
  readme: string;
}

/** Passes data through while hashing it, so SHA256SUMS can be written after the files. */
function hashing(into: Map<string, string>, name: string): Transform {
  const hash = createHash("sha256");
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      into.set(name, hash.digest("hex"));
      done();
    },
  });
}

/**
 * The analysis bundle: a zip of the ratings, cases and reports (CSV), the protocol (scale,
 * design, seeds), the results, a README on every column, and SHA256SUMS of those files.
 */
export async function streamAnalysisBundle(inputs: BundleInputs): Promise<Readable> {
  const zip = new ZipArchive({ zlib: { level: 6 } });
  const out = new PassThrough();
  zip.on("error", (e: Error) => out.destroy(e));
  zip.pipe(out);

  const sums = new Map<string, string>();
  const addBuffer = (name: string, text: string) => {
    const data = Buffer.from(text, "utf8");
    sums.set(name, createHash("sha256").update(data).digest("hex"));
    zip.append(data, { name });
  };
  const addStream = (name: string, source: Readable): Promise<void> => {
    const hashed = source.pipe(hashing(sums, name));
    source.once("error", (e) => hashed.destroy(e));
    zip.append(hashed, { name });
    return finished(hashed);
  };

  void (async () => {
    try {
      addBuffer("README.md", inputs.readme);
      addBuffer("protocol.json", JSON.stringify(inputs.protocol, null, 2) + "\n");
      addBuffer("results.json", JSON.stringify(inputs.results, null, 2) + "\n");
      // One query at a time, each started when the previous file is through: a later COPY
      // opened early would buffer its rows in memory while the zip is still writing.
      await addStream("ratings.csv", await streamRatingsCsv(inputs.studyId));
      await addStream("cases.csv", await streamCsv(casesQuery(inputs.studyId)));
      await addStream("reports.csv", await streamCsv(reportsQuery(inputs.studyId)));
      const lines = [...sums.entries()].sort(([a], [b]) => a.localeCompare(b));
      zip.append(lines.map(([name, sum]) => `${sum}  ${name}`).join("\n") + "\n", {
        name: "SHA256SUMS",
      });
      await zip.finalize();
    } catch (error) {
      out.destroy(error as Error);
    }
  })();
  return out;
}
