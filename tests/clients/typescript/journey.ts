// A todo's life through openapi-fetch and the types openapi-typescript generated from the
// service's /openapi.json (./schema.d.ts, written next to this file by the test). Prints
// what it saw as JSON: the same transcript as tests/clients/python_journey.py.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type Todo = components["schemas"]["TodoOut"];

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

function present<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`no ${what}`);
  return value;
}

function problem(error: Problem): [number, string] {
  return [error.status, error.title];
}

const client = createClient<paths>({
  baseUrl: setting("TODO_BASE_URL"),
  headers: { Authorization: `Bearer ${setting("TODO_TOKEN")}` },
});

async function create(title: string, priority: Todo["priority"]): Promise<Todo> {
  const { data } = await client.POST("/api/todos", { body: { title, priority } });
  return present(data, `todo ${title}`);
}

const milk = await create("Buy milk", "high");
await create("Answer mail", "high");
await create("Call the bank", "low");
const listed = await client.GET("/api/todos", {
  params: { query: { priority: "high", sort: "title:asc" } },
});
const page = present(listed.data, "page");

const path = { todo_id: milk.id };
const got = await client.GET("/api/todos/{todo_id}", { params: { path } });
const etag = present(got.response.headers.get("ETag"), "ETag");
const unchanged = await client.GET("/api/todos/{todo_id}", {
  params: { path, header: { "if-none-match": etag } },
});
const patched = await client.PATCH("/api/todos/{todo_id}", {
  params: { path, header: { "if-match": etag } },
  body: { description: "Oat, 2 litres" },
});
const stale = await client.PATCH("/api/todos/{todo_id}", {
  params: { path, header: { "if-match": etag } },
  body: { title: "Buy oat milk" },
});
const toggled = await client.POST("/api/todos/{todo_id}/toggle-complete", { params: { path } });
const done = present(toggled.data, "toggled todo");
const deleted = await client.DELETE("/api/todos/{todo_id}", {
  params: { path, header: { "if-match": `"${done.version}"` } },
});
const missing = await client.GET("/api/todos/{todo_id}", { params: { path } });

const changed = present(patched.data, "patched todo");
console.log(
  JSON.stringify({
    created: [milk.title, milk.priority, milk.version],
    listed: [page.items.map((item) => item.title), page.total],
    got: [got.response.status, etag, present(got.data, "todo").title],
    not_modified: [unchanged.response.status, unchanged.response.headers.get("ETag")],
    patched: [changed.description, changed.version],
    stale: [stale.response.status, ...problem(present(stale.error, "412 problem"))],
    toggled: [done.completed, done.version],
    deleted: deleted.response.status,
    missing: [missing.response.status, ...problem(present(missing.error, "404 problem"))],
  }),
);
