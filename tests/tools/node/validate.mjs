// Judges many notification bodies with one Node validator, in one process.
//
//   node validate.mjs TOOL DOCUMENT CASES.json  ->  prints a JSON array, one verdict per case
//
// TOOL is `express-openapi-validator` (a real Express app on 127.0.0.1 and a free port; each
// case is POSTed over HTTP with its headers) or `ajv` (the request body schema, compiled from
// the document as partners do, with OpenAPI's `components` in scope). A verdict is
// {name, accepted, status?, detail}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const [tool, documentPath, casesPath] = process.argv.slice(2);
const document = YAML.parse(readFileSync(documentPath, 'utf8'));
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));

function onlyOperation() {
  const [[path, item]] = Object.entries(document.paths);
  return { path, operation: item.post };
}

async function withExpressOpenApiValidator() {
  const express = require('express');
  const OpenApiValidator = require('express-openapi-validator');
  const app = express();
  app.use(express.json({ type: 'application/json' }));
  app.use(OpenApiValidator.middleware({ apiSpec: documentPath, validateRequests: true }));
  const { path } = onlyOperation();
  app.post(path, (req, res) => res.json({ message: 'Notification received' }));
  // express-openapi-validator reports by throwing; its errors carry the HTTP status.
  app.use((err, req, res, next) => res.status(err.status || 500).json({ message: err.message }));
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${server.address().port}${path}`;
  const verdicts = [];
  try {
    for (const c of cases) {
      const response = await fetch(url, { method: 'POST', headers: c.headers, body: c.body });
      const text = await response.text();
      verdicts.push({ name: c.name, accepted: response.status === 200, status: response.status, detail: text });
    }
  } finally {
    server.close();
  }
  return verdicts;
}

function withAjv() {
  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  // OpenAPI 3.0 keywords that are not JSON Schema (`example`, `nullable`...) are annotations here.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const { operation } = onlyOperation();
  const root = { components: document.components, ...operation.requestBody.content['application/json'].schema };
  const validate = ajv.compile(root);
  return cases.map((c) => {
    let value;
    try {
      value = JSON.parse(c.body);
    } catch (error) {
      return { name: c.name, accepted: false, detail: `not JSON: ${error.message}` };
    }
    const ok = validate(value);
    return { name: c.name, accepted: ok, detail: ok ? '' : ajv.errorsText(validate.errors) };
  });
}

const tools = { 'express-openapi-validator': withExpressOpenApiValidator, ajv: withAjv };
if (!(tool in tools)) {
  process.stderr.write(`validate.mjs: unknown tool ${tool}; one of ${Object.keys(tools).join(', ')}\n`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(await tools[tool]()));
