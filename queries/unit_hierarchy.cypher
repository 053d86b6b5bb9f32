// name: unit_hierarchy
// description: What a unit is part of: every ancestor along PART_OF (parent bodies, then places),
// description: up to 8 steps, with its distance; the unit is matched by id, name or alias.
// param: unit (string, default "区财政局") — unit id, canonical name or alias
MATCH (u:Unit)
WHERE u.id = $unit OR u.name = $unit OR $unit IN coalesce(u.aliases, [])
MATCH p = (u)-[:PART_OF*1..8]->(a)
WITH u, a, min(length(p)) AS depth
RETURN u.id AS unit_id, u.name AS unit, depth, labels(a)[0] AS kind, a.id AS ancestor_id,
       a.name AS ancestor, a.level AS level
ORDER BY unit_id, depth, ancestor_id
