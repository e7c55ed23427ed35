// Release records in memory, as helm's memory driver: the store the lifecycle decisions are
// unit-tested on. Records are copied in and out, as the Secret driver serialises them.
import { stamped, type ReleaseRecord, type ReleaseStore } from './release-store.js';

export class MemoryReleaseStore implements ReleaseStore {
  private readonly records = new Map<number, ReleaseRecord>();

  constructor(records: ReleaseRecord[] = []) {
    for (const record of records) this.records.set(record.revision, structuredClone(record));
  }

  list(): Promise<ReleaseRecord[]> {
    const all = [...this.records.values()].map((r) => structuredClone(r));
    return Promise.resolve(all.sort((a, b) => a.revision - b.revision));
  }

  save(record: ReleaseRecord): Promise<void> {
    this.records.set(record.revision, structuredClone(stamped(record)));
    return Promise.resolve();
  }

  remove(revision: number): Promise<void> {
    this.records.delete(revision);
    return Promise.resolve();
  }
}
