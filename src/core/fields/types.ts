// What a request type declares: its fields, each of a registered kind. Here, not in
// request-types.ts, so the field kinds can name them without importing the built-in types.

export interface FieldSpec {
  key: string;
  label: string;
  labelEn: string;
  /** A registered field kind (src/core/fields/registry.ts). */
  kind: string;
  required: boolean;
  example?: string;
  options?: ReadonlyArray<{ value: string; label: string }>;
  max?: number; // for score
  /** For attachments: how many files, which types, how large (defaults in fields/attachments.ts). */
  files?: Partial<AttachmentRules>;
}

/** The limits of an attachments field. */
export interface AttachmentRules {
  min: number;
  max: number;
  /** Type groups (`image`, `pdf`, `office`, `text`) or exact MIME types. */
  types: readonly string[];
  /** Most bytes of one file. */
  maxFileBytes: number;
  /** Most bytes of all the field's files together. */
  maxTotalBytes: number;
}

export interface RequestTypeDef {
  id: string;
  name: string;
  nameEn: string;
  /** Field whose value titles the request (e.g. the event name). */
  titleField?: string;
  fields: readonly FieldSpec[];
  /** Event lifecycle (summary → scoring → reimbursement) applies after approval. */
  lifecycle: 'event' | 'simple';
  /** Letter of the human-facing number: A-0001. */
  prefix: string;
}

/** A request's field values by key, as submitted and stored. */
export type Payload = Record<string, unknown>;
