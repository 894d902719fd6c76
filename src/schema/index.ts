// The schema: each type file registers itself on the builder.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './errors.js';
import './viewer.js';
import './style.js';
import './generation.js';
import './remake.js';
import './image.js';
import './export.js';
import './video.js';
import './catalog.js';
import './events.js';
import './topup.js';
import './api-key.js';

export const schema = lexicographicSortSchema(builder.toSchema());
