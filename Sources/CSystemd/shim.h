#ifndef CLUSTERD_CSYSTEMD_SHIM_H
#define CLUSTERD_CSYSTEMD_SHIM_H

// Without this, CODE_FILE/CODE_LINE of every journal entry would point at this header.
#define SD_JOURNAL_SUPPRESS_LOCATION 1

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

#endif
