/**
 * Ids as graphology keys. graphology keeps each node's neighbours, and
 * graphology-shortest-path its distances, in plain objects keyed by node, so
 * a node called `__proto__`, `constructor` or `hasOwnProperty` would find
 * Object.prototype's property there (a crash, or a wrong graph). Ids are data:
 * any string is a valid id, so the graphs key a node by graphKey(id).
 */

/**
 * The id itself, or `@` + id for an id that is a name on Object.prototype
 * (`__proto__`, `constructor`, `toString`, …) or begins with `@`. Keys stay
 * distinct (an escaped key begins with `@`, a kept one never does), and an
 * ordinary id is its own key, so graph order and routes do not change.
 */
export function graphKey(id: string): string {
  return id.startsWith('@') || id in Object.prototype ? '@' + id : id;
}
