// name: unit_review
// description: Canonical units for review: aliases, parents (PART_OF), the documents that name
// description: them and how often; optionally only units whose name or an alias contains a text.
// param: contains (string, default "") — substring of the name or an alias (all units when empty)
MATCH (u:Unit)
WHERE $contains = '' OR u.name CONTAINS $contains
   OR any(alias IN coalesce(u.aliases, []) WHERE alias CONTAINS $contains)
OPTIONAL MATCH (u)-[:PART_OF]->(p)
WITH u, p
ORDER BY coalesce(p.name, '')
WITH u, collect(DISTINCT p.name) AS parents
OPTIONAL MATCH (:Document)-[m:MENTIONS]->(u)
// count(), not sum(): FalkorDB's sum() of integers is a float, Neo4j's an integer
WITH u, parents, count(m) AS mentions
OPTIONAL MATCH (d:Document)-[:MENTIONS]->(u)
WITH u, parents, mentions, d
ORDER BY coalesce(d.id, '')
WITH u, parents, mentions, collect(DISTINCT d.id) AS documents
RETURN u.id AS unit_id, u.name AS unit, u.kind AS kind, u.level AS level,
       u.jurisdiction AS jurisdiction, coalesce(u.aliases, []) AS aliases, parents, documents, mentions
ORDER BY unit_id
