// Strict request parsing before GraphQL runs. Yoga's multipart parser applies the spec's `map`
// blindly (a path like `…productImages.4294967294` builds a giant sparse array; a file can land on a
// String variable and be echoed back in the error). Here `operations` and `map` are checked first:
// every path must reach an existing null placeholder that the operation's own variable types call
// an Upload, and nothing is written until the whole map passed. Other bodies get a 1 MB cap.
import {
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  parse,
  typeFromAST,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { badRequest, capped, cappedStream, declaredLength, JSON_BODY_LIMIT, tolerantGet, tooLarge } from './body-limit.js';
import type { UploadAdmission } from './upload-admission.js';

export interface RequestGuardOptions {
  schema: GraphQLSchema;
  maxFiles: number;
  /** the same token cap as every other document (MAX_QUERY_TOKENS): a bigger one cannot stall the check */
  maxTokens: number;
  /** bounds the upload bytes held in memory; a multipart body is parsed once admitted */
  admission: UploadAdmission;
  /** the whole body's cap (MAX_FILES photos or a catalogue's ZIP, and the fields) */
  maxBodyBytes: number;
  /** every file's limit (MAX_FILE_BYTES), but for a catalogue's ZIP (StartCatalogInput.zip), which
   *  may be up to `maxZipBytes`: Yoga's own per-file limit is the larger of the two */
  maxFileBytes?: number;
  maxZipBytes?: number;
}

/** bytes of `operations` plus `map` together */
const FIELDS_LIMIT = 1_000_000;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(0|[1-9]\d*)$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
// Part names come from the client and may be missing altogether (a part without a name="…").
const quote = (value: unknown) => {
  const s = String(value ?? "");
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
};
const isMultipart = (request: Request) => {
  const type = request.headers.get('content-type')?.split(',')[0]?.trim();
  return request.method === 'POST' && !!type && (type === 'multipart/form-data' || type.startsWith('multipart/form-data;'));
};

export function useRequestGuard(options: RequestGuardOptions): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      // Yoga's own body cap is off (app.ts): it piped every body through a TransformStream to count
      // bytes the caps below already bound. Its header check stays: one non-negative integer only.
      const length = request.headers.get('content-length');
      if (length !== null && !/^\d+$/.test(length)) throw badRequest('Content-Length header is invalid.');
      if (!requestParser) return; // Yoga answers 415
      if (request.method === 'GET') {
        if (request.url.length > JSON_BODY_LIMIT) throw tooLarge(`The query string is over the ${JSON_BODY_LIMIT} byte limit.`);
        setRequestParser(tolerantGet(requestParser));
      } else if (isMultipart(request)) {
        // Held under the request that onResponse sees (the parser may be handed a copy of it).
        // A body of undeclared length is counted as it is read (Node ends a declared one at its length).
        const bounded = (req: Request) => (declaredLength(req) === null ? cappedStream(req, options.maxBodyBytes, fetchAPI) : req);
        setRequestParser(async (req) => parseMultipart(await options.admission.admit(bounded(req), fetchAPI, request), options));
      } else {
        if ((declaredLength(request) ?? 0) > JSON_BODY_LIMIT) throw tooLarge(`Request body is over the ${JSON_BODY_LIMIT} byte limit.`);
        setRequestParser(capped(requestParser, JSON_BODY_LIMIT, fetchAPI));
      }
    },
    // Every response, errors included, ends what the request held (nothing, for most).
    onResponse({ request }) {
      options.admission.release(request);
    },
  };
}

async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData();
  } catch (error) {
    if (!(error instanceof Error) || error.name === 'AbortError' || 'extensions' in error) throw error;
    if (/^(File size limit|Field value size) exceeded/.test(error.message)) throw tooLarge(error.message);
    throw badRequest(`Invalid multipart body: ${error.message.slice(0, 120)}`);
  }
}

async function parseMultipart(request: Request, options: RequestGuardOptions): Promise<GraphQLParams> {
  const { schema, maxFiles } = options;
  const form = await readForm(request);
  const fields = new Map<string, string>();
  const files = new Map<string, File>();
  for (const [name, value] of form.entries()) {
    if (fields.has(name) || files.has(name)) throw badRequest(`Multipart field ${quote(name)} is sent more than once.`);
    const isText = typeof value === 'string';
    if ((name === 'operations' || name === 'map') !== isText) {
      throw badRequest(isText ? `Multipart field ${quote(name)} is not a file part.` : `Multipart field "${name}" must be text, not a file.`);
    }
    if (isText) fields.set(name, value);
    else files.set(name, value);
  }
  if (files.size > maxFiles) throw badRequest(`At most ${maxFiles} files per request.`);
  const operationsText = fields.get('operations');
  const mapText = fields.get('map');
  if (operationsText === undefined) throw badRequest('Multipart field "operations" is missing.');
  if (operationsText.length + (mapText?.length ?? 0) > FIELDS_LIMIT) {
    throw tooLarge(`Multipart fields "operations" and "map" are over the ${FIELDS_LIMIT} byte limit.`);
  }

  const operations = parseJson(operationsText, 'operations');
  if (Array.isArray(operations)) throw badRequest('Batched operations are not supported: "operations" must be one JSON object.');
  if (!isObject(operations)) throw badRequest('Multipart field "operations" must be a JSON object.');
  const map = mapText === undefined ? {} : parseJson(mapText, 'map');
  if (!isObject(map)) throw badRequest('Multipart field "map" must be a JSON object.');

  const entries = Object.entries(map);
  if (entries.length > maxFiles) throw badRequest(`At most ${maxFiles} files per request.`);
  for (const name of files.keys()) {
    if (!Object.hasOwn(map, name)) throw badRequest(`File part ${quote(name)} is not in the map.`);
  }
  const seen = new Set<string>();
  for (const [name, paths] of entries) {
    if (!files.has(name)) throw badRequest(`Map entry ${quote(name)} has no file part.`);
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string')) {
      throw badRequest(`Map entry ${quote(name)} must be a non-empty array of path strings.`);
    }
    for (const p of paths as string[]) {
      if (seen.has(p)) throw badRequest(`Map path ${quote(p)} is mapped more than once.`);
      seen.add(p);
    }
  }
  if (entries.length === 0) return operations as GraphQLParams;

  const upload = uploadPositions(operations, schema, options.maxTokens);
  const placements = entries.flatMap(([name, paths]) =>
    (paths as string[]).map((p) => ({ ...placeholder(operations.variables, p, upload), file: files.get(name)! })),
  );
  for (const { parent, key, owner, file } of placements) {
    const limit = owner === 'StartCatalogInput' && key === 'zip' ? options.maxZipBytes : options.maxFileBytes;
    if (limit !== undefined && file.size > limit) throw tooLarge(`File size limit exceeded: ${limit} bytes`);
    (parent as Json)[key] = file;
  }
  return operations as GraphQLParams;
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`Multipart field "${field}" must be valid JSON.`);
  }
}

interface UploadCheck {
  variables: Map<string, GraphQLInputType>;
  isUpload(type: GraphQLInputType): boolean;
}

/** The variable types of the operation that will run, resolved against the schema. */
function uploadPositions(operations: Json, schema: GraphQLSchema, maxTokens: number): UploadCheck {
  if (typeof operations.query !== 'string') throw badRequest('A multipart request with files needs "operations.query".');
  let document: DocumentNode;
  try {
    document = parse(operations.query, { maxTokens, noLocation: true });
  } catch (error) {
    throw badRequest(error instanceof Error ? error.message.slice(0, 200) : 'The query does not parse.');
  }
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const name = operations.operationName;
  const operation = typeof name === 'string' && name ? ops.find((o) => o.name?.value === name) : ops.length === 1 ? ops[0] : undefined;
  if (!operation) throw badRequest('Could not tell which operation in the query the files belong to.');
  const variables = new Map<string, GraphQLInputType>();
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (type) variables.set(definition.variable.name.value, type as GraphQLInputType);
  }
  const uploadType = schema.getType('Upload');
  return { variables, isUpload: (type) => !!uploadType && getNullableType(type) === uploadType };
}

/** Where one map path lands, or a 400: no new keys, no array growth, only Upload-typed nulls. */
function placeholder(variables: unknown, path: string, check: UploadCheck): { parent: object; key: string | number; owner: string | null } {
  const refuse = (why: string) => badRequest(`Map path ${quote(path)} ${why}.`);
  const [root, name, ...rest] = path.split('.');
  if (root !== 'variables' || !name) throw refuse('must start with "variables.<name>"');
  if ([name, ...rest].some((s) => s === '' || FORBIDDEN.has(s))) throw refuse('has an empty or forbidden segment');
  let type = check.variables.get(name);
  if (!type) throw refuse('names no variable of the operation');
  if (!isObject(variables) || !Object.hasOwn(variables, name)) throw refuse('has no null placeholder in the variables');
  let parent: Json | unknown[] = variables;
  let key: string | number = name;
  // the input type whose field the file lands in (null: a variable or a list item)
  let owner: string | null = null;
  for (const segment of rest) {
    const value: unknown = (parent as Json)[key];
    const nullable: GraphQLInputType = isNonNullType(type) ? type.ofType : type;
    if (isListType(nullable)) {
      if (!Array.isArray(value) || !INDEX.test(segment) || Number(segment) >= value.length) {
        throw refuse('is not an index inside the list it points into');
      }
      parent = value;
      key = Number(segment);
      owner = null;
      type = nullable.ofType;
    } else if (isInputObjectType(nullable)) {
      const fields = nullable.getFields();
      if (!Object.hasOwn(fields, segment) || !isObject(value) || !Object.hasOwn(value, segment)) {
        throw refuse('has no null placeholder in the variables');
      }
      parent = value;
      key = segment;
      owner = nullable.name;
      type = fields[segment]!.type;
    } else {
      throw refuse('does not point at an Upload');
    }
  }
  if ((parent as Json)[key] !== null) throw refuse('has no null placeholder in the variables');
  if (!check.isUpload(type)) throw refuse('does not point at an Upload');
  return { parent, key, owner };
}
