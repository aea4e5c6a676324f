/// The OpenAPI 3.1 document served at `/openapi.json`: every route of ``KairosAPI/routes`` with
/// its parameters, request bodies, responses (problems as `application/problem+json`) and the
/// bearer security of the routes that need a key. Hand-written JSON: `OpenAPIDocumentTests`
/// fails when it and the route table disagree (a route missing, an extra operation, a keyed
/// route without bearer security, 401 or 403), and `scripts/schemathesis` (run by
/// scripts/test) checks live responses of a `kairos serve` against it.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Kairos",
            "version": "0.1.0",
            "summary": "Job scheduler: cron, interval and one-off jobs, their executions, and the scheduler's state.",
            "description": "JSON in camelCase; instants are ISO 8601 strings with an offset. Errors are RFC 9457 problems (`application/problem+json`). Every route except `/health`, `/ready`, `/openapi.json` (and `/metrics` with `--public-metrics`) needs `Authorization: Bearer <key>`; the role each needs is in `x-kairos-role` (`viewer` reads, `operator` also acts, `admin` also manages keys). Unknown query parameters are refused with 400."
          },
          "tags": [
            {"name": "jobs"},
            {"name": "executions"},
            {"name": "scheduler"},
            {"name": "keys"},
            {"name": "system"}
          ],
          "paths": {
            "/api/v1/scheduler/jobs": {
              "post": {
                "operationId": "createJob",
                "summary": "Create a job",
                "tags": ["jobs"],
                "description": "Validates every field and the task's arguments, then saves the job and computes its first fire. 409 when a live job has that key.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/JobSpec"},
                      "examples": {
                        "cron": {
                          "summary": "cron in a time zone, with retries",
                          "value": {
                            "key": "example-report",
                            "name": "Example report",
                            "task": "system.noop",
                            "schedule": {
                              "type": "cron",
                              "expression": "0 2 * * *",
                              "timezone": "Europe/Paris"
                            },
                            "priority": 10,
                            "retry": {
                              "maxRetries": 3,
                              "backoff": {"initial": 5, "max": 300, "multiplier": 2},
                              "jitter": true
                            },
                            "timeout": 60
                          }
                        },
                        "interval": {
                          "summary": "every 5 minutes",
                          "value": {
                            "key": "example-tick",
                            "task": "system.noop",
                            "schedule": {"type": "interval", "minutes": 5}
                          }
                        },
                        "date": {
                          "summary": "once",
                          "value": {
                            "key": "example-launch",
                            "task": "system.sleep",
                            "args": {"seconds": 1},
                            "schedule": {"type": "date", "runAt": "2027-06-01T09:00:00+02:00"}
                          }
                        }
                      }
                    }
                  }
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "operator",
                "responses": {
                  "201": {
                    "description": "Created.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                    "headers": {
                      "ETag": {"$ref": "#/components/headers/ETag"},
                      "Location": {"$ref": "#/components/headers/Location"}
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "get": {
                "operationId": "listJobs",
                "summary": "List jobs",
                "tags": ["jobs"],
                "description": "Live (not deleted) jobs ordered by key, with cursor pagination.",
                "parameters": [
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"},
                  {
                    "name": "status",
                    "in": "query",
                    "description": "Only jobs in this state: `active` (enabled, not paused, with a next fire), `paused`, `disabled`, `finished` (no next fire).",
                    "schema": {"type": "string", "enum": ["active", "paused", "disabled", "finished"]}
                  },
                  {
                    "name": "task",
                    "in": "query",
                    "description": "Only jobs of this task.",
                    "schema": {"type": "string"}
                  },
                  {
                    "name": "q",
                    "in": "query",
                    "description": "Only jobs whose key or name contains this text (ASCII letters in either case).",
                    "schema": {"type": "string"}
                  },
                  {
                    "name": "prefix",
                    "in": "query",
                    "description": "Only jobs whose key starts with this text.",
                    "schema": {"type": "string"}
                  },
                  {
                    "name": "enabled",
                    "in": "query",
                    "description": "Only enabled (true) or disabled (false) jobs.",
                    "schema": {"type": "boolean"}
                  },
                  {
                    "name": "paused",
                    "in": "query",
                    "description": "Only paused (true) or not paused (false) jobs.",
                    "schema": {"type": "boolean"}
                  },
                  {
                    "name": "sort",
                    "in": "query",
                    "description": "Order of the list: a field, descending with a leading '-'. Ties are broken by key. Jobs without a next fire come last by nextRunAt; jobs that never ran come first by lastRunAt. A cursor belongs to the order it was made in.",
                    "schema": {"type": "string", "enum": ["key", "-key", "name", "-name", "priority", "-priority", "createdAt", "-createdAt", "nextRunAt", "-nextRunAt", "lastRunAt", "-lastRunAt"], "default": "key"}
                  },
                  {
                    "name": "includeSystem",
                    "in": "query",
                    "description": "Include jobs created by Kairos itself.",
                    "schema": {"type": "boolean", "default": true}
                  }
                ],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "A page of jobs.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobList"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/jobs/{job}": {
              "parameters": [{"$ref": "#/components/parameters/Job"}],
              "get": {
                "operationId": "getJob",
                "summary": "Get a job",
                "tags": ["jobs"],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "The job.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "put": {
                "operationId": "replaceJob",
                "summary": "Replace a job",
                "tags": ["jobs"],
                "description": "Replaces the definition (members left out take their defaults). A changed schedule recomputes the next fire from now. With `If-Match`, 409 unless the job is at that version.",
                "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/JobReplacement"},
                      "examples": {
                        "interval": {
                          "value": {
                            "task": "system.noop",
                            "schedule": {"type": "interval", "minutes": 10},
                            "paused": true
                          }
                        }
                      }
                    }
                  }
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "operator",
                "responses": {
                  "200": {
                    "description": "The job as replaced.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "patch": {
                "operationId": "patchJob",
                "summary": "Change some fields of a job",
                "tags": ["jobs"],
                "description": "Applies an RFC 7396 merge patch to the definition. Without `If-Match` the change is made at the version read (409 if the job changes meanwhile).",
                "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/merge-patch+json": {
                      "schema": {"$ref": "#/components/schemas/JobPatch"},
                      "examples": {
                        "pause": {"value": {"paused": true}},
                        "priority": {"value": {"priority": 5, "timeout": null}},
                        "schedule": {"value": {"schedule": {"expression": "30 3 * * *"}}}
                      }
                    },
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/JobPatch"},
                      "examples": {
                        "pause": {"value": {"paused": true}},
                        "priority": {"value": {"priority": 5, "timeout": null}},
                        "schedule": {"value": {"schedule": {"expression": "30 3 * * *"}}}
                      }
                    }
                  }
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "operator",
                "responses": {
                  "200": {
                    "description": "The job as changed.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "delete": {
                "operationId": "deleteJob",
                "summary": "Delete a job",
                "tags": ["jobs"],
                "description": "Soft delete: the job leaves lists and is never fired again; its history is kept; its queued executions are cancelled. Its key may be reused.",
                "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "operator",
                "responses": {
                  "204": {"description": "Deleted."},
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/jobs/{job}/action": {
              "parameters": [{"$ref": "#/components/parameters/Job"}],
              "post": {
                "operationId": "jobAction",
                "summary": "Trigger, pause, resume, enable or disable a job",
                "tags": ["jobs"],
                "description": "409 for `trigger` on a disabled job, and when `If-Match` names another version; 404 for a deleted job.",
                "parameters": [{"$ref": "#/components/parameters/IfMatch"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/ActionRequest"},
                      "examples": {
                        "trigger": {"value": {"action": "trigger"}},
                        "pause": {"value": {"action": "pause"}},
                        "resume": {"value": {"action": "resume"}},
                        "enable": {"value": {"action": "enable"}},
                        "disable": {"value": {"action": "disable"}}
                      }
                    }
                  }
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "operator",
                "responses": {
                  "200": {
                    "description": "`pause`, `resume`, `enable`, `disable`: the job.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}}
                  },
                  "202": {
                    "description": "`trigger`: the queued execution.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Execution"}}},
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/jobs/{job}/history": {
              "parameters": [{"$ref": "#/components/parameters/Job"}],
              "get": {
                "operationId": "jobHistory",
                "summary": "A job's executions",
                "tags": ["jobs"],
                "parameters": [
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"},
                  {"$ref": "#/components/parameters/ExecutionStatuses"}
                ],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "A page of executions, newest first.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/ExecutionList"}}
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/executions": {
              "get": {
                "operationId": "listExecutions",
                "summary": "List executions",
                "tags": ["executions"],
                "parameters": [
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"},
                  {"$ref": "#/components/parameters/ExecutionStatuses"},
                  {
                    "name": "jobId",
                    "in": "query",
                    "description": "Only executions of this job.",
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
                    }
                  }
                ],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "A page of executions, newest first.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/ExecutionList"}}
                    }
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/executions/{execution}": {
              "parameters": [{"$ref": "#/components/parameters/Execution"}],
              "get": {
                "operationId": "getExecution",
                "summary": "Get an execution",
                "tags": ["executions"],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "The execution.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Execution"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/executions/{execution}/cancel": {
              "parameters": [{"$ref": "#/components/parameters/Execution"}],
              "post": {
                "operationId": "cancelExecution",
                "summary": "Cancel a queued or running execution",
                "tags": ["executions"],
                "description": "A running attempt is cancelled cooperatively. 409 when the execution is already over.",
                "requestBody": {
                  "required": false,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CancelRequest"}}}
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "operator",
                "responses": {
                  "200": {
                    "description": "The cancelled execution.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Execution"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/status": {
              "get": {
                "operationId": "getStatus",
                "summary": "Scheduler status",
                "tags": ["scheduler"],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "State, instances and heartbeats, queue depth, counts, next fires.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/cron/preview": {
              "post": {
                "operationId": "previewCron",
                "summary": "Check a cron expression and list its next fires",
                "tags": ["scheduler"],
                "description": "A malformed request (wrong types, unknown fields, `count` out of 1–100, a bad `after`) is a 422; an expression or time zone that does not parse is a 200 with `valid: false`.",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/CronPreviewRequest"},
                      "examples": {
                        "dst": {
                          "value": {
                            "expression": "30 2 * * *",
                            "timezone": "America/New_York",
                            "count": 3,
                            "after": "2026-03-07T12:00:00-05:00"
                          }
                        }
                      }
                    }
                  }
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "Whether the expression is valid, its description and its next fires.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CronPreview"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/tasks": {
              "get": {
                "operationId": "listTasks",
                "summary": "Registered tasks",
                "tags": ["scheduler"],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "Every registered task with its argument schema.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskList"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/scheduler/events": {
              "get": {
                "operationId": "streamEvents",
                "summary": "Live events (Server-Sent Events)",
                "tags": ["scheduler"],
                "parameters": [
                  {
                    "name": "jobId",
                    "in": "query",
                    "description": "Only events of this job.",
                    "schema": {
                      "type": "string",
                      "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
                    }
                  }
                ],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "A stream that does not end until the client leaves or the server stops. It starts with the comment `: connected`; each event is `event: <type>` and `data: <JSON>` where the JSON has `type` (`job.added`, `job.modified`, `job.removed`, `execution.submitted`, `execution.started`, `execution.succeeded`, `execution.failed`, `execution.missed`), `at`, `jobId`, `jobKey`, for executions `execution` (an `Execution`) and for failures `willRetry`. A `: keep-alive` comment is sent every 15 seconds.",
                    "headers": {"Cache-Control": {"schema": {"type": "string", "const": "no-cache"}}},
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/keys": {
              "get": {
                "operationId": "listKeys",
                "summary": "List API keys",
                "tags": ["keys"],
                "parameters": [
                  {"name": "includeRevoked", "in": "query", "schema": {"type": "boolean", "default": false}}
                ],
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "admin",
                "responses": {
                  "200": {
                    "description": "Every key, oldest first.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKeyList"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              },
              "post": {
                "operationId": "createKey",
                "summary": "Create an API key",
                "tags": ["keys"],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {"$ref": "#/components/schemas/APIKeyRequest"},
                      "examples": {"deploy": {"value": {"name": "deploy", "role": "operator"}}}
                    }
                  }
                },
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "admin",
                "responses": {
                  "201": {
                    "description": "Created: the secret is in this answer only.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewAPIKey"}}},
                    "headers": {"Location": {"$ref": "#/components/headers/Location"}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "413": {"$ref": "#/components/responses/ContentTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {"$ref": "#/components/responses/ValidationFailed"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/api/v1/keys/{key}": {
              "parameters": [{"$ref": "#/components/parameters/Key"}],
              "delete": {
                "operationId": "revokeKey",
                "summary": "Revoke an API key",
                "tags": ["keys"],
                "description": "409 when it is the last active admin key. Takes effect at once in this process, within 5 seconds in others.",
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "admin",
                "responses": {
                  "200": {
                    "description": "The revoked key (revoking a revoked key keeps its first `revokedAt`).",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKey"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "409": {"$ref": "#/components/responses/Conflict"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/health": {
              "get": {
                "operationId": "health",
                "summary": "Liveness",
                "tags": ["system"],
                "security": [],
                "responses": {
                  "200": {
                    "description": "The process is up.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"}
                }
              }
            },
            "/ready": {
              "get": {
                "operationId": "ready",
                "summary": "Readiness: the store is reachable and migrated",
                "tags": ["system"],
                "security": [],
                "responses": {
                  "200": {
                    "description": "Ready.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ready"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics",
                "tags": ["system"],
                "description": "Needs a viewer key unless the server runs with `--public-metrics`. 404 in a process that has no metrics registry.",
                "security": [{"bearerAuth": []}],
                "x-kairos-role": "viewer",
                "responses": {
                  "200": {
                    "description": "Prometheus text exposition format.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"},
                  "401": {"$ref": "#/components/responses/Unauthorized"},
                  "404": {"$ref": "#/components/responses/NotFound"},
                  "503": {"$ref": "#/components/responses/Unavailable"}
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "openAPI",
                "summary": "This document",
                "tags": ["system"],
                "security": [],
                "responses": {
                  "200": {
                    "description": "The OpenAPI 3.1 document the server implements.",
                    "content": {"application/json": {"schema": {"type": "object"}}}
                  },
                  "400": {"$ref": "#/components/responses/BadRequest"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key: `kairos_` and 43 base64url characters (or the value of `KAIROS_ADMIN_KEY`)."
              }
            },
            "parameters": {
              "Job": {
                "name": "job",
                "in": "path",
                "required": true,
                "description": "The job's id (any case) or its key. A soft-deleted job is not found (404), by id or by key; its executions stay readable.",
                "schema": {
                  "type": "string",
                  "pattern": "^([a-z0-9][a-z0-9._-]{0,99}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$"
                },
                "examples": {"key": {"value": "nightly-report"}, "paused": {"value": "smoke-noop"}}
              },
              "Execution": {
                "name": "execution",
                "in": "path",
                "required": true,
                "description": "The execution's id.",
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
                }
              },
              "Key": {
                "name": "key",
                "in": "path",
                "required": true,
                "description": "The API key's id.",
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
                }
              },
              "Limit": {
                "name": "limit",
                "in": "query",
                "description": "Page size.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
              },
              "Cursor": {
                "name": "cursor",
                "in": "query",
                "description": "The `nextCursor` of the previous page (400 for a cursor this list did not produce).",
                "schema": {"type": "string", "minLength": 1}
              },
              "ExecutionStatuses": {
                "name": "status",
                "in": "query",
                "style": "form",
                "explode": true,
                "description": "Only executions with one of these statuses: repeat the parameter or separate values with commas (`status=failed,missed`).",
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ExecutionStatus"}}
              },
              "IfMatch": {
                "name": "If-Match",
                "in": "header",
                "description": "The job's version as its ETag (`\"3\"`; `W/\"3\"` and `3` are accepted too): the change is made only at that version (409 otherwise). 400 when it is not a version.",
                "schema": {"type": "string", "pattern": "^(W/)?\"[1-9][0-9]{0,8}\"$"}
              }
            },
            "headers": {
              "ETag": {
                "description": "The job's version in quotes, for `If-Match`.",
                "schema": {"type": "string", "pattern": "^\"[1-9][0-9]*\"$"}
              },
              "Location": {"description": "The path of the created resource.", "schema": {"type": "string"}},
              "WWW-Authenticate": {"schema": {"type": "string", "const": "Bearer realm=\"kairos\""}}
            },
            "responses": {
              "BadRequest": {
                "description": "Malformed request: an unknown or invalid query parameter (named in `errors`), an invalid `If-Match`, or a body that is not JSON.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 400}, "code": {"const": "bad-request"}}}
                      ]
                    }
                  }
                }
              },
              "Unauthorized": {
                "description": "No API key, a malformed `Authorization` header, or a key that is unknown or revoked.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 401}, "code": {"const": "unauthorized"}}}
                      ]
                    }
                  }
                },
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWW-Authenticate"}}
              },
              "Forbidden": {
                "description": "The key's role is below the one this route needs.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 403}, "code": {"const": "forbidden"}}}
                      ]
                    }
                  }
                }
              },
              "NotFound": {
                "description": "No such resource.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 404}, "code": {"const": "not-found"}}}
                      ]
                    }
                  }
                }
              },
              "Conflict": {
                "description": "The request conflicts with the current state.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 409}, "code": {"const": "conflict"}}}
                      ]
                    }
                  }
                }
              },
              "ContentTooLarge": {
                "description": "The request body is over the server's limit (`--max-body`, 1 MiB by default).",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 413}, "code": {"const": "content-too-large"}}}
                      ]
                    }
                  }
                }
              },
              "UnsupportedMediaType": {
                "description": "The body is not sent as `application/json` (or another `application/*+json` type).",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {
                          "properties": {
                            "status": {"const": 415},
                            "code": {"const": "unsupported-media-type"}
                          }
                        }
                      ]
                    }
                  }
                }
              },
              "ValidationFailed": {
                "description": "The body is JSON but not valid: `errors` names every invalid field.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 422}, "code": {"const": "validation-failed"}}}
                      ]
                    }
                  }
                }
              },
              "Unavailable": {
                "description": "The store cannot be used.",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"status": {"const": 503}, "code": {"const": "unavailable"}}}
                      ]
                    }
                  }
                }
              }
            },
            "schemas": {
              "Timestamp": {
                "type": "string",
                "description": "An instant in ISO 8601 with its UTC offset, with fractional seconds (up to microseconds) when there are any: `2026-11-25T20:45:47.480646+00:00`. Instants of the API are in UTC (`+00:00`); cron preview fires carry the offset of the expression's time zone.",
                "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                "examples": ["2026-11-25T20:45:47.480646+00:00", "2027-06-01T07:00:00+00:00"]
              },
              "TimestampInput": {
                "type": "string",
                "description": "An instant in ISO 8601: `YYYY-MM-DD`, `YYYY-MM-DDThh:mm` or `YYYY-MM-DDThh:mm:ss[.fraction]`, optionally followed by `Z` or an offset `±hh:mm`, `±hhmm` or `±hh` (a space may stand for `T`). Without an offset the time is UTC.",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$",
                "examples": ["2027-06-01T09:00:00+02:00", "2026-12-24T18:00:00Z"]
              },
              "UUID": {
                "type": "string",
                "pattern": "^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$",
                "description": "A UUID, upper case.",
                "examples": ["3F2504E0-4F89-41D3-9A0C-0305E82C3301"]
              },
              "ExecutionStatus": {
                "type": "string",
                "enum": ["queued", "running", "succeeded", "failed", "cancelled", "missed"],
                "description": "`queued → running → succeeded | failed`, plus `cancelled` and `missed`."
              },
              "APIKeyRole": {
                "type": "string",
                "enum": ["viewer", "operator", "admin"],
                "description": "`viewer` reads; `operator` also acts on jobs and executions; `admin` also manages API keys."
              },
              "FieldIssue": {
                "type": "object",
                "description": "One invalid field or parameter.",
                "required": ["field", "code", "message"],
                "additionalProperties": false,
                "properties": {
                  "field": {
                    "type": "string",
                    "description": "Dotted JSON path of the field (`retry.backoff.multiplier`), or the parameter or header name; empty for the whole body."
                  },
                  "code": {
                    "type": "string",
                    "description": "Machine-readable kind of problem: `required`, `invalidType`, `unknownField`, `outOfRange`, `invalidParameter` …"
                  },
                  "message": {"type": "string"}
                }
              },
              "Problem": {
                "type": "object",
                "description": "An RFC 9457 problem (`application/problem+json`). `type` is a stable URI per `code`; `errors` lists every invalid field (422) or parameter (400); `jobId` / `executionId` say what it concerns.",
                "required": ["type", "title", "status", "detail", "code"],
                "additionalProperties": false,
                "properties": {
                  "type": {
                    "type": "string",
                    "pattern": "^https://kairos\\.dev/problems/[a-z-]+$",
                    "examples": ["https://kairos.dev/problems/not-found"]
                  },
                  "title": {"type": "string"},
                  "status": {"type": "integer", "minimum": 400, "maximum": 599},
                  "detail": {"type": "string"},
                  "instance": {"type": "string", "description": "The request path."},
                  "code": {
                    "type": "string",
                    "enum": [
                      "bad-request",
                      "unauthorized",
                      "forbidden",
                      "not-found",
                      "method-not-allowed",
                      "conflict",
                      "content-too-large",
                      "unsupported-media-type",
                      "validation-failed",
                      "unavailable",
                      "internal-error"
                    ]
                  },
                  "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldIssue"}},
                  "jobId": {"$ref": "#/components/schemas/UUID"},
                  "executionId": {"$ref": "#/components/schemas/UUID"}
                }
              },
              "CronSchedule": {
                "type": "object",
                "title": "cron",
                "description": "A cron expression evaluated in a time zone (Debian cron rules at daylight saving changes); `endDate` must not be before `startDate`.",
                "required": ["type", "expression", "timezone"],
                "additionalProperties": false,
                "properties": {
                  "type": {"const": "cron"},
                  "expression": {
                    "type": "string",
                    "description": "5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro (`@daily` …).",
                    "examples": ["0 2 * * *", "*/15 8-18 * * MON-FRI"]
                  },
                  "timezone": {
                    "type": "string",
                    "description": "IANA time zone.",
                    "examples": ["Europe/Paris"]
                  },
                  "startDate": {"$ref": "#/components/schemas/Timestamp"},
                  "endDate": {"$ref": "#/components/schemas/Timestamp"},
                  "jitter": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 86400,
                    "description": "Maximum delay in seconds added to each fire (deterministic per job and fire)."
                  }
                }
              },
              "IntervalSchedule": {
                "type": "object",
                "title": "interval",
                "description": "Every N weeks/days/hours/minutes/seconds (units that are 0 are left out), anchored at `startDate` (the job's creation time, to the second, when none was given).",
                "required": ["type"],
                "additionalProperties": false,
                "properties": {
                  "type": {"const": "interval"},
                  "weeks": {"type": "integer", "minimum": 1, "maximum": 1000000000},
                  "days": {"type": "integer", "minimum": 1, "maximum": 1000000000},
                  "hours": {"type": "integer", "minimum": 1, "maximum": 1000000000},
                  "minutes": {"type": "integer", "minimum": 1, "maximum": 1000000000},
                  "seconds": {"type": "integer", "minimum": 1, "maximum": 1000000000},
                  "startDate": {"$ref": "#/components/schemas/Timestamp"},
                  "endDate": {"$ref": "#/components/schemas/Timestamp"},
                  "jitter": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 86400,
                    "description": "Maximum delay in seconds added to each fire (deterministic per job and fire)."
                  }
                }
              },
              "DateSchedule": {
                "type": "object",
                "title": "date",
                "description": "One fire at `runAt`; afterwards the job is finished (no next fire).",
                "required": ["type", "runAt"],
                "additionalProperties": false,
                "properties": {"type": {"const": "date"}, "runAt": {"$ref": "#/components/schemas/Timestamp"}}
              },
              "Schedule": {
                "description": "When the job fires, by `type`.",
                "oneOf": [
                  {"$ref": "#/components/schemas/CronSchedule"},
                  {"$ref": "#/components/schemas/IntervalSchedule"},
                  {"$ref": "#/components/schemas/DateSchedule"}
                ],
                "discriminator": {
                  "propertyName": "type",
                  "mapping": {
                    "cron": "#/components/schemas/CronSchedule",
                    "interval": "#/components/schemas/IntervalSchedule",
                    "date": "#/components/schemas/DateSchedule"
                  }
                }
              },
              "CronScheduleInput": {
                "type": "object",
                "title": "cron",
                "description": "A cron expression evaluated in a time zone (Debian cron rules at daylight saving changes); `endDate` must not be before `startDate`.",
                "required": ["type", "expression"],
                "additionalProperties": false,
                "properties": {
                  "type": {"const": "cron"},
                  "expression": {
                    "type": "string",
                    "description": "5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro (`@daily` …).",
                    "examples": ["0 2 * * *", "*/15 8-18 * * MON-FRI"]
                  },
                  "timezone": {
                    "type": "string",
                    "description": "IANA time zone; default `UTC`.",
                    "examples": ["Europe/Paris"],
                    "default": "UTC"
                  },
                  "startDate": {"$ref": "#/components/schemas/TimestampInput"},
                  "endDate": {"$ref": "#/components/schemas/TimestampInput"},
                  "jitter": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 86400,
                    "description": "Maximum delay in seconds added to each fire (deterministic per job and fire)."
                  }
                }
              },
              "IntervalScheduleInput": {
                "type": "object",
                "title": "interval",
                "description": "Every N weeks/days/hours/minutes/seconds, any combination; the total must be more than 0 and at most 10 years. Fires are `startDate + k × period`; without `startDate` the anchor is the job's creation time.",
                "required": ["type"],
                "additionalProperties": false,
                "properties": {
                  "type": {"const": "interval"},
                  "weeks": {"type": "integer", "minimum": 0, "maximum": 1000000000},
                  "days": {"type": "integer", "minimum": 0, "maximum": 1000000000},
                  "hours": {"type": "integer", "minimum": 0, "maximum": 1000000000},
                  "minutes": {"type": "integer", "minimum": 0, "maximum": 1000000000},
                  "seconds": {"type": "integer", "minimum": 0, "maximum": 1000000000},
                  "startDate": {"$ref": "#/components/schemas/TimestampInput"},
                  "endDate": {"$ref": "#/components/schemas/TimestampInput"},
                  "jitter": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 86400,
                    "description": "Maximum delay in seconds added to each fire (deterministic per job and fire)."
                  }
                },
                "anyOf": [
                  {"required": ["weeks"], "properties": {"weeks": {"minimum": 1}}},
                  {"required": ["days"], "properties": {"days": {"minimum": 1}}},
                  {"required": ["hours"], "properties": {"hours": {"minimum": 1}}},
                  {"required": ["minutes"], "properties": {"minutes": {"minimum": 1}}},
                  {"required": ["seconds"], "properties": {"seconds": {"minimum": 1}}}
                ]
              },
              "DateScheduleInput": {
                "type": "object",
                "title": "date",
                "description": "One fire at `runAt`; afterwards the job is finished (no next fire).",
                "required": ["type", "runAt"],
                "additionalProperties": false,
                "properties": {
                  "type": {"const": "date"},
                  "runAt": {"$ref": "#/components/schemas/TimestampInput"}
                }
              },
              "ScheduleInput": {
                "description": "When the job fires, by `type`.",
                "oneOf": [
                  {"$ref": "#/components/schemas/CronScheduleInput"},
                  {"$ref": "#/components/schemas/IntervalScheduleInput"},
                  {"$ref": "#/components/schemas/DateScheduleInput"}
                ],
                "discriminator": {
                  "propertyName": "type",
                  "mapping": {
                    "cron": "#/components/schemas/CronScheduleInput",
                    "interval": "#/components/schemas/IntervalScheduleInput",
                    "date": "#/components/schemas/DateScheduleInput"
                  }
                }
              },
              "RetryPolicy": {
                "type": "object",
                "description": "Exponential backoff: retry n waits `min(max, initial × multiplier^(n-1))` seconds, uniformly random in `0…that` with `jitter`.",
                "required": ["maxRetries", "backoff", "jitter"],
                "additionalProperties": false,
                "properties": {
                  "maxRetries": {"type": "integer", "minimum": 0, "maximum": 20},
                  "backoff": {
                    "type": "object",
                    "required": ["initial", "max", "multiplier"],
                    "additionalProperties": false,
                    "properties": {
                      "initial": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 86400,
                        "description": "Seconds before the first retry."
                      },
                      "max": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 604800,
                        "description": "Cap in seconds; not less than `initial`."
                      },
                      "multiplier": {"type": "number", "minimum": 1, "maximum": 100}
                    }
                  },
                  "jitter": {"type": "boolean"}
                }
              },
              "RetryPolicyInput": {
                "type": "object",
                "description": "Exponential backoff: retry n waits `min(max, initial × multiplier^(n-1))` seconds, uniformly random in `0…that` with `jitter`. Defaults: no retries, backoff `{initial: 1, max: 600, multiplier: 2}`, jitter on. Other members are ignored.",
                "properties": {
                  "maxRetries": {"type": "integer", "minimum": 0, "maximum": 20, "default": 0},
                  "backoff": {
                    "type": "object",
                    "description": "All three members are required when `backoff` is given; other members are ignored.",
                    "required": ["initial", "max", "multiplier"],
                    "properties": {
                      "initial": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 86400,
                        "description": "Seconds before the first retry."
                      },
                      "max": {
                        "type": "number",
                        "minimum": 0,
                        "maximum": 604800,
                        "description": "Cap in seconds; not less than `initial`."
                      },
                      "multiplier": {"type": "number", "minimum": 1, "maximum": 100}
                    }
                  },
                  "jitter": {"type": "boolean", "default": true}
                }
              },
              "JobSpec": {
                "type": "object",
                "description": "A job definition (SPEC §3). Every invalid field is reported at once in a 422 problem; unknown fields are refused. A `null` optional member counts as absent.",
                "required": ["key", "task", "schedule"],
                "additionalProperties": false,
                "properties": {
                  "key": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,99}$",
                    "description": "Unique, stable identifier chosen by the user.",
                    "examples": ["nightly-report"]
                  },
                  "name": {"type": "string", "maxLength": 200, "description": "Human name; default: the key."},
                  "description": {"type": "string", "maxLength": 2000, "default": ""},
                  "task": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "A registered task (`GET /api/v1/scheduler/tasks`).",
                    "examples": ["system.noop"]
                  },
                  "args": {
                    "type": "object",
                    "description": "The task's arguments, checked by the task's argument schema before the job is saved (422 naming `args.…`).",
                    "default": {}
                  },
                  "schedule": {"$ref": "#/components/schemas/ScheduleInput"},
                  "priority": {
                    "type": "integer",
                    "minimum": -1000,
                    "maximum": 1000,
                    "description": "Higher runs first when workers are saturated.",
                    "default": 0
                  },
                  "maxInstances": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 10,
                    "description": "Concurrent executions of this job.",
                    "default": 1
                  },
                  "misfireGraceTime": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 31622400,
                    "description": "Seconds after which a fire is recorded `missed` instead of run.",
                    "default": 60
                  },
                  "coalesce": {
                    "type": "boolean",
                    "description": "Several runnable missed fires collapse into one run.",
                    "default": true
                  },
                  "retry": {"$ref": "#/components/schemas/RetryPolicyInput"},
                  "timeout": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 604800,
                    "description": "Seconds before a running attempt is cancelled and failed with reason `timeout`; none by default."
                  },
                  "enabled": {
                    "type": "boolean",
                    "description": "A disabled job is never fired and cannot be triggered.",
                    "default": true
                  },
                  "paused": {
                    "type": "boolean",
                    "description": "No scheduled fires while paused; manual triggers are allowed.",
                    "default": false
                  }
                }
              },
              "JobReplacement": {
                "type": "object",
                "description": "The whole new definition of a job (`PUT`): members left out take their defaults. `key` may be left out; it cannot change.",
                "required": ["task", "schedule"],
                "additionalProperties": false,
                "properties": {
                  "key": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,99}$",
                    "description": "Optional; when given it must be the job's key (a key never changes).",
                    "examples": ["nightly-report"]
                  },
                  "name": {"type": "string", "maxLength": 200, "description": "Human name; default: the key."},
                  "description": {"type": "string", "maxLength": 2000, "default": ""},
                  "task": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "A registered task (`GET /api/v1/scheduler/tasks`).",
                    "examples": ["system.noop"]
                  },
                  "args": {
                    "type": "object",
                    "description": "The task's arguments, checked by the task's argument schema before the job is saved (422 naming `args.…`).",
                    "default": {}
                  },
                  "schedule": {"$ref": "#/components/schemas/ScheduleInput"},
                  "priority": {
                    "type": "integer",
                    "minimum": -1000,
                    "maximum": 1000,
                    "description": "Higher runs first when workers are saturated.",
                    "default": 0
                  },
                  "maxInstances": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 10,
                    "description": "Concurrent executions of this job.",
                    "default": 1
                  },
                  "misfireGraceTime": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 31622400,
                    "description": "Seconds after which a fire is recorded `missed` instead of run.",
                    "default": 60
                  },
                  "coalesce": {
                    "type": "boolean",
                    "description": "Several runnable missed fires collapse into one run.",
                    "default": true
                  },
                  "retry": {"$ref": "#/components/schemas/RetryPolicyInput"},
                  "timeout": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 604800,
                    "description": "Seconds before a running attempt is cancelled and failed with reason `timeout`; none by default."
                  },
                  "enabled": {
                    "type": "boolean",
                    "description": "A disabled job is never fired and cannot be triggered.",
                    "default": true
                  },
                  "paused": {
                    "type": "boolean",
                    "description": "No scheduled fires while paused; manual triggers are allowed.",
                    "default": false
                  }
                }
              },
              "JobPatch": {
                "type": "object",
                "description": "An RFC 7396 JSON merge patch of the job's definition: objects merge recursively, `null` removes a member (it then takes its default), anything else replaces. The result must be a valid job (422 otherwise); the key cannot change.",
                "additionalProperties": false,
                "properties": {
                  "key": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,99}$",
                    "description": "Optional; when given it must be the job's key.",
                    "examples": ["nightly-report"]
                  },
                  "name": {
                    "type": ["string", "null"],
                    "maxLength": 200,
                    "description": "Human name; default: the key."
                  },
                  "description": {"type": ["string", "null"], "maxLength": 2000},
                  "task": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "A registered task (`GET /api/v1/scheduler/tasks`).",
                    "examples": ["system.noop"]
                  },
                  "args": {
                    "type": ["object", "null"],
                    "description": "Merged into the job's current `args` (RFC 7396: members set to `null` are removed); `null` resets it to its default."
                  },
                  "schedule": {
                    "type": "object",
                    "description": "Merged into the job's current `schedule` (RFC 7396: members set to `null` are removed). To change the type, also set the members the new type does not have to `null`."
                  },
                  "priority": {
                    "type": ["integer", "null"],
                    "minimum": -1000,
                    "maximum": 1000,
                    "description": "Higher runs first when workers are saturated."
                  },
                  "maxInstances": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": 10,
                    "description": "Concurrent executions of this job."
                  },
                  "misfireGraceTime": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "maximum": 31622400,
                    "description": "Seconds after which a fire is recorded `missed` instead of run."
                  },
                  "coalesce": {
                    "type": ["boolean", "null"],
                    "description": "Several runnable missed fires collapse into one run."
                  },
                  "retry": {
                    "type": ["object", "null"],
                    "description": "Merged into the job's current `retry` (RFC 7396: members set to `null` are removed); `null` resets it to its default."
                  },
                  "timeout": {
                    "type": ["number", "null"],
                    "exclusiveMinimum": 0,
                    "maximum": 604800,
                    "description": "Seconds before a running attempt is cancelled and failed with reason `timeout`; none by default."
                  },
                  "enabled": {
                    "type": ["boolean", "null"],
                    "description": "A disabled job is never fired and cannot be triggered."
                  },
                  "paused": {
                    "type": ["boolean", "null"],
                    "description": "No scheduled fires while paused; manual triggers are allowed."
                  }
                }
              },
              "Job": {
                "type": "object",
                "description": "A job: its definition plus identity and scheduler state.",
                "required": [
                  "key",
                  "name",
                  "description",
                  "task",
                  "args",
                  "schedule",
                  "priority",
                  "maxInstances",
                  "misfireGraceTime",
                  "coalesce",
                  "retry",
                  "enabled",
                  "paused",
                  "id",
                  "nextRunAt",
                  "lastRunAt",
                  "lastStatus",
                  "createdAt",
                  "updatedAt",
                  "version",
                  "system",
                  "scheduleDescription"
                ],
                "additionalProperties": false,
                "properties": {
                  "key": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,99}$",
                    "description": "Unique, stable identifier chosen by the user.",
                    "examples": ["nightly-report"]
                  },
                  "name": {"type": "string", "maxLength": 200, "description": "Human name."},
                  "description": {"type": "string", "maxLength": 2000},
                  "task": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": "A registered task (`GET /api/v1/scheduler/tasks`).",
                    "examples": ["system.noop"]
                  },
                  "args": {
                    "type": "object",
                    "description": "The task's arguments, checked by the task's argument schema.\n"
                  },
                  "schedule": {"$ref": "#/components/schemas/Schedule"},
                  "priority": {
                    "type": "integer",
                    "minimum": -1000,
                    "maximum": 1000,
                    "description": "Higher runs first when workers are saturated."
                  },
                  "maxInstances": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 10,
                    "description": "Concurrent executions of this job."
                  },
                  "misfireGraceTime": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 31622400,
                    "description": "Seconds after which a fire is recorded `missed` instead of run."
                  },
                  "coalesce": {
                    "type": "boolean",
                    "description": "Several runnable missed fires collapse into one run."
                  },
                  "retry": {"$ref": "#/components/schemas/RetryPolicy"},
                  "timeout": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 604800,
                    "description": "Seconds before a running attempt is cancelled and failed with reason `timeout`; absent for none."
                  },
                  "enabled": {
                    "type": "boolean",
                    "description": "A disabled job is never fired and cannot be triggered."
                  },
                  "paused": {
                    "type": "boolean",
                    "description": "No scheduled fires while paused; manual triggers are allowed."
                  },
                  "id": {"$ref": "#/components/schemas/UUID"},
                  "nextRunAt": {
                    "type": ["string", "null"],
                    "description": "The next nominal fire the scheduler has not handled; `null` when the schedule is finished. A paused or disabled job keeps the value it resumes from. Same format as `Timestamp`.",
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
                  },
                  "lastRunAt": {
                    "type": ["string", "null"],
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
                  },
                  "lastStatus": {
                    "oneOf": [{"$ref": "#/components/schemas/ExecutionStatus"}, {"type": "null"}]
                  },
                  "createdAt": {"$ref": "#/components/schemas/Timestamp"},
                  "updatedAt": {"$ref": "#/components/schemas/Timestamp"},
                  "version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Increments on every change; the `ETag` is this number in quotes."
                  },
                  "system": {
                    "type": "boolean",
                    "description": "Created by Kairos itself (the history cleanup)."
                  },
                  "scheduleDescription": {
                    "type": "string",
                    "description": "The schedule in words.",
                    "examples": ["At 02:00 every day (Europe/Paris)"]
                  }
                }
              },
              "ExecutionError": {
                "type": "object",
                "required": ["reason", "message"],
                "additionalProperties": false,
                "properties": {
                  "reason": {
                    "type": "string",
                    "description": "`exception`, `timeout`, `worker lost`, `cancelled`, `shutdown` …"
                  },
                  "message": {"type": "string"}
                }
              },
              "Execution": {
                "type": "object",
                "description": "One run of a job (a scheduled fire or a manual trigger); retries of the run increment `attempt`.",
                "required": [
                  "id",
                  "jobId",
                  "jobKey",
                  "trigger",
                  "status",
                  "scheduledAt",
                  "runAfter",
                  "priority",
                  "attempt",
                  "startedAt",
                  "finishedAt",
                  "durationMs",
                  "error",
                  "result",
                  "instanceId",
                  "createdAt"
                ],
                "additionalProperties": false,
                "properties": {
                  "id": {"$ref": "#/components/schemas/UUID"},
                  "jobId": {"$ref": "#/components/schemas/UUID"},
                  "jobKey": {"type": "string"},
                  "trigger": {"type": "string", "enum": ["scheduled", "manual"]},
                  "status": {"$ref": "#/components/schemas/ExecutionStatus"},
                  "scheduledAt": {
                    "$ref": "#/components/schemas/Timestamp",
                    "description": "The nominal fire time (for manual runs, the request time)."
                  },
                  "runAfter": {
                    "$ref": "#/components/schemas/Timestamp",
                    "description": "The earliest start of the next attempt."
                  },
                  "priority": {"type": "integer"},
                  "attempt": {"type": "integer", "minimum": 1},
                  "startedAt": {
                    "type": ["string", "null"],
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                    "description": "Same format as `Timestamp`; `null` until set."
                  },
                  "finishedAt": {
                    "type": ["string", "null"],
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                    "description": "Same format as `Timestamp`; `null` until set."
                  },
                  "durationMs": {"type": ["integer", "null"], "minimum": 0},
                  "error": {"oneOf": [{"$ref": "#/components/schemas/ExecutionError"}, {"type": "null"}]},
                  "result": {
                    "type": ["string", "null"],
                    "description": "A short summary written by the task (HTTP status, exit code …)."
                  },
                  "instanceId": {
                    "type": ["string", "null"],
                    "description": "The instance that ran (or runs) the latest attempt."
                  },
                  "createdAt": {"$ref": "#/components/schemas/Timestamp"}
                }
              },
              "JobList": {
                "type": "object",
                "description": "A page of jobs, ordered by key.",
                "required": ["items", "nextCursor"],
                "additionalProperties": false,
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                  "nextCursor": {
                    "type": ["string", "null"],
                    "description": "Pass as `cursor` for the next page; `null` on the last page."
                  }
                }
              },
              "ExecutionList": {
                "type": "object",
                "description": "A page of executions, newest first (by scheduled time).",
                "required": ["items", "nextCursor"],
                "additionalProperties": false,
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Execution"}},
                  "nextCursor": {
                    "type": ["string", "null"],
                    "description": "Pass as `cursor` for the next page; `null` on the last page."
                  }
                }
              },
              "ActionRequest": {
                "type": "object",
                "required": ["action"],
                "additionalProperties": false,
                "properties": {
                  "action": {
                    "type": "string",
                    "enum": ["trigger", "pause", "resume", "enable", "disable"],
                    "description": "`trigger` queues a manual run now (202 with the execution; refused with 409 for a disabled job); `pause` stops scheduled fires; `resume` continues from now (no backfill); `enable` / `disable` switch the job on and off (200 with the job)."
                  }
                }
              },
              "CancelRequest": {
                "type": "object",
                "description": "Cancel takes no fields: send no body or `{}`.",
                "maxProperties": 0,
                "additionalProperties": false
              },
              "Instance": {
                "type": "object",
                "description": "A Kairos process recorded in the store.",
                "required": [
                  "id",
                  "hostname",
                  "pid",
                  "roles",
                  "version",
                  "startedAt",
                  "heartbeatAt",
                  "heartbeatAgeSeconds",
                  "stoppedAt",
                  "alive"
                ],
                "additionalProperties": false,
                "properties": {
                  "id": {"type": "string"},
                  "hostname": {"type": "string"},
                  "pid": {"type": "integer"},
                  "roles": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "`api`, `scheduler`, `worker`."
                  },
                  "version": {"type": "string"},
                  "startedAt": {"$ref": "#/components/schemas/Timestamp"},
                  "heartbeatAt": {"$ref": "#/components/schemas/Timestamp"},
                  "heartbeatAgeSeconds": {"type": "number", "minimum": 0},
                  "stoppedAt": {
                    "type": ["string", "null"],
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                    "description": "Same format as `Timestamp`; `null` until set."
                  },
                  "alive": {"type": "boolean", "description": "Not stopped, and its heartbeat is recent."}
                }
              },
              "Status": {
                "type": "object",
                "description": "The scheduler's state.",
                "required": [
                  "serverTime",
                  "instance",
                  "instances",
                  "queueDepth",
                  "executions",
                  "jobs",
                  "nextFires"
                ],
                "additionalProperties": false,
                "properties": {
                  "serverTime": {"$ref": "#/components/schemas/Timestamp"},
                  "instance": {
                    "description": "This process (`null` if it is not registered yet).",
                    "oneOf": [{"$ref": "#/components/schemas/Instance"}, {"type": "null"}]
                  },
                  "instances": {"type": "array", "items": {"$ref": "#/components/schemas/Instance"}},
                  "queueDepth": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Queued executions that are runnable now."
                  },
                  "executions": {
                    "type": "object",
                    "required": ["queued", "running", "succeeded", "failed", "cancelled", "missed"],
                    "additionalProperties": false,
                    "properties": {
                      "queued": {"type": "integer", "minimum": 0},
                      "running": {"type": "integer", "minimum": 0},
                      "succeeded": {"type": "integer", "minimum": 0},
                      "failed": {"type": "integer", "minimum": 0},
                      "cancelled": {"type": "integer", "minimum": 0},
                      "missed": {"type": "integer", "minimum": 0}
                    },
                    "description": "Executions by status."
                  },
                  "jobs": {
                    "type": "object",
                    "required": ["active", "paused", "disabled", "finished"],
                    "additionalProperties": false,
                    "properties": {
                      "active": {"type": "integer", "minimum": 0},
                      "paused": {"type": "integer", "minimum": 0},
                      "disabled": {"type": "integer", "minimum": 0},
                      "finished": {"type": "integer", "minimum": 0}
                    },
                    "description": "Live jobs by state."
                  },
                  "nextFires": {
                    "type": "array",
                    "description": "The next fires, soonest first (at most 10).",
                    "items": {
                      "type": "object",
                      "required": ["jobId", "jobKey", "at"],
                      "additionalProperties": false,
                      "properties": {
                        "jobId": {"$ref": "#/components/schemas/UUID"},
                        "jobKey": {"type": "string"},
                        "at": {"$ref": "#/components/schemas/Timestamp"}
                      }
                    }
                  }
                }
              },
              "CronPreviewRequest": {
                "type": "object",
                "required": ["expression"],
                "additionalProperties": false,
                "properties": {
                  "expression": {"type": "string", "examples": ["0 2 * * *"]},
                  "timezone": {"type": "string", "default": "UTC", "examples": ["America/New_York"]},
                  "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                  "after": {
                    "$ref": "#/components/schemas/TimestampInput",
                    "description": "Fires strictly after this instant; default now."
                  }
                }
              },
              "CronPreview": {
                "type": "object",
                "description": "An expression or zone that does not parse is an answer (`valid: false`, `errors` naming `expression` or `timezone`), not a 422.",
                "required": [
                  "valid",
                  "expression",
                  "timezone",
                  "description",
                  "fixedTime",
                  "nextFires",
                  "errors"
                ],
                "additionalProperties": false,
                "properties": {
                  "valid": {"type": "boolean"},
                  "expression": {"type": "string"},
                  "timezone": {"type": "string"},
                  "description": {
                    "type": ["string", "null"],
                    "description": "The expression in words; `null` when not valid."
                  },
                  "fixedTime": {
                    "type": ["boolean", "null"],
                    "description": "Whether it fires at one fixed time of day (daylight saving rules differ); `null` when not valid."
                  },
                  "nextFires": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Timestamp"},
                    "description": "In the expression's time zone, to the second."
                  },
                  "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldIssue"}}
                }
              },
              "Task": {
                "type": "object",
                "required": ["name", "summary", "argumentSchema"],
                "additionalProperties": false,
                "properties": {
                  "name": {"type": "string", "examples": ["http.request"]},
                  "summary": {"type": "string"},
                  "argumentSchema": {"description": "A JSON Schema of the task's `args`."}
                }
              },
              "TaskList": {
                "type": "object",
                "description": "Every registered task (one page: `nextCursor` is always `null`).",
                "required": ["items", "nextCursor"],
                "additionalProperties": false,
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                  "nextCursor": {"type": "null"}
                }
              },
              "APIKey": {
                "type": "object",
                "description": "An API key, without its secret.",
                "required": ["id", "name", "role", "prefix", "createdAt", "revokedAt"],
                "additionalProperties": false,
                "properties": {
                  "id": {"$ref": "#/components/schemas/UUID"},
                  "name": {"type": "string"},
                  "role": {"$ref": "#/components/schemas/APIKeyRole"},
                  "prefix": {
                    "type": "string",
                    "description": "The first characters of the secret, to recognise it.",
                    "examples": ["kairos_3fA9"]
                  },
                  "createdAt": {"$ref": "#/components/schemas/Timestamp"},
                  "revokedAt": {
                    "type": ["string", "null"],
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                    "description": "Same format as `Timestamp`; `null` until set."
                  }
                }
              },
              "NewAPIKey": {
                "type": "object",
                "description": "A new API key with its secret, shown only in this answer.",
                "required": ["id", "name", "role", "prefix", "createdAt", "revokedAt", "secret"],
                "additionalProperties": false,
                "properties": {
                  "id": {"$ref": "#/components/schemas/UUID"},
                  "name": {"type": "string"},
                  "role": {"$ref": "#/components/schemas/APIKeyRole"},
                  "prefix": {
                    "type": "string",
                    "description": "The first characters of the secret, to recognise it.",
                    "examples": ["kairos_3fA9"]
                  },
                  "createdAt": {"$ref": "#/components/schemas/Timestamp"},
                  "revokedAt": {
                    "type": ["string", "null"],
                    "pattern": "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?[+-][0-9]{2}:[0-9]{2}(:[0-9]{2})?$",
                    "description": "Same format as `Timestamp`; `null` until set."
                  },
                  "secret": {
                    "type": "string",
                    "pattern": "^kairos_[A-Za-z0-9_-]{43}$",
                    "description": "`Authorization: Bearer <secret>`. It cannot be recovered later."
                  }
                }
              },
              "APIKeyList": {
                "type": "object",
                "description": "Every key, oldest first (one page: `nextCursor` is always `null`).",
                "required": ["items", "nextCursor"],
                "additionalProperties": false,
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/APIKey"}},
                  "nextCursor": {"type": "null"}
                }
              },
              "APIKeyRequest": {
                "type": "object",
                "required": ["name", "role"],
                "additionalProperties": false,
                "properties": {
                  "name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": "\\S",
                    "description": "1 to 100 characters once leading and trailing spaces are trimmed."
                  },
                  "role": {"$ref": "#/components/schemas/APIKeyRole"}
                }
              },
              "Health": {
                "type": "object",
                "required": ["status", "instanceId"],
                "additionalProperties": false,
                "properties": {"status": {"const": "ok"}, "instanceId": {"type": "string"}}
              },
              "Ready": {
                "type": "object",
                "required": ["status", "migrations"],
                "additionalProperties": false,
                "properties": {
                  "status": {"const": "ready"},
                  "migrations": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string"},
                    "description": "Applied schema migrations."
                  }
                }
              }
            }
          }
        }
        """#
}
