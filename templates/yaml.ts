/**
 * The one YAML serializer of the project: CloudFormation YAML as a person would write it.
 * Intrinsic functions use the short-form tags (`!Ref`, `!Sub`, `!GetAtt A.B`, ...), except a
 * single-argument function whose argument is itself a function (YAML allows one tag per node),
 * which stays long form: `Fn::ImportValue: !Sub ...`. Quoting follows YAML 1.1 (what
 * CloudFormation parses), so "2010-09-09", "yes", "on" stay strings; no anchors or aliases; no
 * folded lines.
 */
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, YAMLSeq, type Node, type Pair, type Tags } from 'yaml';

/** Long-form key and short-form tag of each intrinsic function and condition. */
const INTRINSICS: Readonly<Record<string, string>> = {
  Ref: '!Ref',
  Condition: '!Condition',
  'Fn::Sub': '!Sub',
  'Fn::GetAtt': '!GetAtt',
  'Fn::Join': '!Join',
  'Fn::Select': '!Select',
  'Fn::Split': '!Split',
  'Fn::ImportValue': '!ImportValue',
  'Fn::If': '!If',
  'Fn::Equals': '!Equals',
  'Fn::Not': '!Not',
  'Fn::And': '!And',
  'Fn::Or': '!Or',
  'Fn::FindInMap': '!FindInMap',
  'Fn::GetAZs': '!GetAZs',
  'Fn::Base64': '!Base64',
};

const TAG_TO_KEY = new Map(Object.entries(INTRINSICS).map(([key, tag]) => [tag, key]));

/** A tag can only go on a node that has no tag yet. */
const isTagged = (node: unknown): boolean => (isScalar(node) || isMap(node) || isSeq(node)) && node.tag !== undefined;

/** Serializes a template (plain data) to CloudFormation YAML. */
export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  doc.contents = tagIntrinsics(doc.contents as Node | null);
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

/**
 * Replaces every single-key intrinsic map at or below `node` with its tagged form, innermost
 * first, so that an outer function sees whether its argument already carries a tag.
 */
function tagIntrinsics(node: Node | null): Node | null {
  if (isSeq(node)) {
    node.items = node.items.map((item) => tagIntrinsics(item as Node));
    return node;
  }
  if (!isMap(node)) return node;
  for (const pair of node.items as Pair<Node, Node>[]) pair.value = tagIntrinsics(pair.value);
  if (node.items.length !== 1) return node;
  const [pair] = node.items as Pair<Node, Node>[];
  const key = isScalar(pair!.key) ? String(pair!.key.value) : '';
  const tag = INTRINSICS[key];
  const argument = pair!.value;
  if (!tag || !argument || isTagged(argument)) return node;
  if (isMap(argument)) return node;
  if (key === 'Fn::GetAtt' && isSeq(argument) && argument.items.every((item) => isScalar(item) && !isTagged(item))) {
    const dotted = new Scalar(argument.items.map((item) => String((item as Scalar).value)).join('.'));
    dotted.tag = tag;
    return dotted;
  }
  argument.tag = tag;
  return argument;
}

/** Tags for parsing short forms back into long-form objects. */
const PARSE_TAGS: Tags = [...TAG_TO_KEY].flatMap(([tag, key]) => [
  {
    tag,
    resolve: (text: string) => ({ [key]: key === 'Fn::GetAtt' ? splitGetAtt(text) : text }),
  },
  {
    tag,
    collection: 'seq' as const,
    resolve: (seq: YAMLSeq) => new Scalar({ [key]: seq.toJSON() }),
  },
]);

/** `A.B.C` -> `['A', 'B.C']` (the resource name has no dot; nested stack attributes do). */
function splitGetAtt(text: string): string[] {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** Parses CloudFormation YAML (short-form tags included) into the long-form plain data. */
export function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { version: '1.1', customTags: PARSE_TAGS });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`invalid CloudFormation YAML: ${problems.map((p) => p.message).join('; ')}`);
  return doc.toJS();
}
