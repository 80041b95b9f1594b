import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { EventLogError } from './errors.js';

export type Subject = 'MutationEvent' | 'Update' | 'MigrationEvent' | 'DocumentEvent' | 'WorkItem';

export interface SchemaVersion {
  readonly id: number;
  readonly subject: Subject;
  readonly version: number;
  readonly type: avro.Type;
  /** The schema's JSON, as its file has it. */
  readonly schema: string;
}

interface CatalogueFile {
  readonly schemas: readonly { readonly id: number; readonly subject: Subject; readonly version: number; readonly file: string }[];
}

/** The repository's schemas/ directory, from src/ (tsx) and dist/ alike. */
export const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));

/** Every schema version of schemas/catalogue.json, parsed, by id and by subject. */
export class SchemaCatalogue {
  private readonly byIdMap = new Map<number, SchemaVersion>();
  private readonly latestBySubject = new Map<Subject, SchemaVersion>();

  private constructor(versions: readonly SchemaVersion[]) {
    for (const version of versions) {
      if (this.byIdMap.has(version.id)) throw new EventLogError('BAD_CATALOGUE', `schema id ${version.id} is used twice`);
      this.byIdMap.set(version.id, version);
      const latest = this.latestBySubject.get(version.subject);
      if (latest?.version === version.version) throw new EventLogError('BAD_CATALOGUE', `${version.subject} version ${version.version} is listed twice`);
      if (latest === undefined || latest.version < version.version) this.latestBySubject.set(version.subject, version);
    }
  }

  static load(dir: string = SCHEMAS_DIR): SchemaCatalogue {
    const file = JSON.parse(readFileSync(join(dir, 'catalogue.json'), 'utf8')) as CatalogueFile;
    return new SchemaCatalogue(
      file.schemas.map(({ id, subject, version, file: name }) => {
        const schema = readFileSync(join(dir, name), 'utf8');
        return { id, subject, version, schema, type: avro.Type.forSchema(JSON.parse(schema) as avro.Schema) };
      }),
    );
  }

  latest(subject: Subject): SchemaVersion {
    const found = this.latestBySubject.get(subject);
    if (found === undefined) throw new EventLogError('UNKNOWN_SCHEMA', `no schema for ${subject}`);
    return found;
  }

  byId(id: number): SchemaVersion | undefined {
    return this.byIdMap.get(id);
  }

  get versions(): SchemaVersion[] {
    return [...this.byIdMap.values()];
  }
}
