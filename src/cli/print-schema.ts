// `npm run schema`: writes the sorted SDL to schema.graphql; CI fails when the committed copy drifts.
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../schema/index.js';

writeFileSync(new URL('../../schema.graphql', import.meta.url), `${printSchema(schema)}\n`);
