// libpq, PostgreSQL's C client (Debian libpq-dev): HandoffPostgres's connection to the server.
#include <libpq-fe.h>
