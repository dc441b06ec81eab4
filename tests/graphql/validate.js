#!/usr/bin/env node
// Validates every GraphQL query ghharvest can send against GitHub's published public schema
// (npm @octokit/graphql-schema, pinned in package-lock.json here; its introspection JSON) with graphql-js (Debian's
// node-graphql). The queries come from the product itself: `printer` is a binary that prints
// each one as a JSON line {"name","query"} (print_graphql_queries.cpp, from
// github::AllGraphqlQueries()), so a query GitHub would reject fails this test.
//
// Beyond the schema's own rules it applies GitHub's: every connection needs `first` or
// `last` (a literal 1-100, or a variable), at most 500,000 nodes (variables counted as 100),
// and no deprecated field (GitHub removes them on a date).
//
//   node validate.js PRINTER            validate the product's queries
//   node validate.js --selftest PRINTER  the validator must reject broken copies of them
//   node validate.js --fake PRINTER      fakehub's GraphQL fields must all be GitHub's
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const graphqlPath = process.env.GHH_GRAPHQL_JS || '/usr/share/nodejs/graphql';
let graphql;
try {
  graphql = require(graphqlPath);
} catch (e) {
  console.error(`graphql-js not found at ${graphqlPath}: apt-get install node-graphql ` +
                `(scripts/install-deps.sh)`);
  process.exit(2);
}
// The introspection result (schema.json), not schema.graphql: the SDL of 15.26.1 defines two
// fields of EnterpriseOwnerInfo twice, which graphql-js rightly refuses to build.
const schemaFile = path.join(__dirname, 'node_modules', '@octokit', 'graphql-schema',
                             'schema.json');
if (!fs.existsSync(schemaFile)) {
  console.error(`${schemaFile} missing: run "npm ci" in ${__dirname} (scripts/install-deps.sh)`);
  process.exit(2);
}
const schema = graphql.buildClientSchema(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));

function connectionType(type) {
  const named = graphql.getNamedType(type);
  return named && /Connection$/.test(named.name) && graphql.isObjectType(named) &&
         named.getFields().pageInfo !== undefined;
}

// GitHub's own rules, over a parsed document.
function githubRules(doc) {
  const errors = [];
  const typeInfo = new graphql.TypeInfo(schema);
  let nodes = 0;
  const stack = [1];  // page-size products of the enclosing connections
  graphql.visit(doc, graphql.visitWithTypeInfo(typeInfo, {
    Field: {
      enter(node) {
        const def = typeInfo.getFieldDef();
        let size = null;
        if (def && connectionType(def.type)) {
          const args = Object.fromEntries((node.arguments || []).map(a => [a.name.value, a.value]));
          const bound = args.first || args.last;
          if (!bound) {
            errors.push(`${node.name.value}: a connection without first/last`);
            size = 100;
          } else if (bound.kind === 'Variable') {
            size = 100;
          } else if (bound.kind === 'IntValue') {
            size = parseInt(bound.value, 10);
            if (size < 1 || size > 100) errors.push(`${node.name.value}: first/last ${size} not in 1-100`);
          } else {
            errors.push(`${node.name.value}: first/last is not an Int`);
            size = 100;
          }
          const product = stack[stack.length - 1] * size;
          nodes += product;
        }
        stack.push(size === null ? stack[stack.length - 1] : stack[stack.length - 1] * size);
      },
      leave() { stack.pop(); },
    },
  }));
  if (nodes > 500000) errors.push(`requests up to ${nodes} nodes, over GitHub's 500,000`);
  return errors;
}

function validate(name, text) {
  let doc;
  try {
    doc = graphql.parse(text);
  } catch (e) {
    return [`${name}: ${e.message}`];
  }
  const rules = [...graphql.specifiedRules, graphql.NoDeprecatedCustomRule];
  const errors = graphql.validate(schema, doc, rules).map(e => `${name}: ${e.message}`);
  return errors.concat(githubRules(doc).map(e => `${name}: ${e}`));
}

function queries(printer) {
  const out = execFileSync(printer, { encoding: 'utf8' });
  const list = out.split('\n').filter(l => l.trim()).map(l => JSON.parse(l));
  if (list.length === 0) throw new Error('the printer printed no query');
  return list;
}

// Fakehub's fields ("Type.field arg..." lines): each must exist in GitHub's schema, on that
// type (or, for the fake's abstract "Actor"/"Node", on the interface), with those arguments.
function fakeErrors(lines) {
  let bad = 0;
  for (const line of lines) {
    const [field, ...argNames] = line.trim().split(/\s+/);
    const [typeName, fieldName] = field.split('.');
    const type = schema.getType(typeName);
    if (fieldName === '__typename') {
      if (!type) { console.error(`fakehub: ${typeName} is not a GitHub type`); bad++; }
      continue;
    }
    const def = type && type.getFields ? type.getFields()[fieldName] : undefined;
    if (!def) {
      console.error(`fakehub: ${field} is not in GitHub's schema`);
      bad++;
      continue;
    }
    for (const a of argNames) {
      if (!def.args.some(x => x.name === a)) {
        console.error(`fakehub: ${field} takes no argument ${a} on GitHub`);
        bad++;
      }
    }
  }
  return bad;
}

function checkFake(printer) {
  const lines = execFileSync(printer, { encoding: 'utf8' }).split('\n').filter(l => l.trim());
  let bad = fakeErrors(lines);
  console.log(`${lines.length - bad} of ${lines.length} fakehub fields are GitHub's`);
  if (lines.length === 0) bad++;
  process.exit(bad ? 1 : 0);
}

const args = process.argv.slice(2);
if (args[0] === '--fake') checkFake(args[1]);
const selftest = args[0] === '--selftest';
const printer = selftest ? args[1] : args[0];
if (!printer) {
  console.error('usage: validate.js [--selftest] PRINTER');
  process.exit(2);
}
const list = queries(printer);

if (!selftest) {
  let failed = 0;
  for (const q of list) {
    const errors = validate(q.name, q.query);
    if (errors.length) {
      failed++;
      errors.forEach(e => console.error(e));
    } else {
      console.log(`ok ${q.name}`);
    }
  }
  console.log(`${list.length - failed} of ${list.length} queries valid against ` +
              `@octokit/graphql-schema ${require(path.join(__dirname, 'node_modules', '@octokit',
                                                     'graphql-schema', 'package.json')).version}`);
  process.exit(failed ? 1 : 0);
}

// Self-test: each of these broken copies of a product query must be rejected.
const mutations = [
  ['a field GitHub does not have', t => t.replace('submittedAt', 'submittedAtt')],
  ['a deprecated field', t => t.replace('fullDatabaseId', 'databaseId')],
  ['a connection without first',
   t => t.replace('reviews(first: 100)', 'reviews').replace('reviews(first: 100, ', 'reviews(')],
  ['first over 100', t => t.replace('reviews(first: 100', 'reviews(first: 101')],
  ['an argument the field does not take', t => t.replace('reviews(first: 100', 'reviews(first: 100, sort: NEWEST')],
  ['a syntax error', t => t.replace(/\}\s*$/, '')],
  ['over 500,000 nodes', t => t.replace('author {', 'comments(first: 100) { nodes { reactions(first: 100) { totalCount } } } author {')],
];
let ok = true;
for (const q of list) {
  if (validate(q.name, q.query).length) {
    console.error(`selftest: the product query ${q.name} is itself invalid`);
    ok = false;
  }
  for (const [what, mutate] of mutations) {
    const broken = mutate(q.query);
    if (broken === q.query) continue;  // does not apply to this query
    const errors = validate(q.name, broken);
    if (errors.length === 0) {
      console.error(`selftest: ${q.name} with ${what} passed validation`);
      ok = false;
    } else {
      console.log(`rejected ${q.name} with ${what}: ${errors[0]}`);
    }
  }
}
// And the fake's check must catch a field, an argument or a type GitHub does not have.
for (const line of ['PullRequest.reviewz', 'PullRequest.reviews first sort', 'Nope.__typename']) {
  if (fakeErrors([line]) === 0) {
    console.error(`selftest: the fakehub check let "${line}" through`);
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
