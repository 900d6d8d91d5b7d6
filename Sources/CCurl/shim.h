// Typed wrappers for libcurl's variadic functions, which Swift cannot call directly.
#ifndef HANDOFF_CCURL_SHIM_H
#define HANDOFF_CCURL_SHIM_H

#include <curl/curl.h>
#include <stdio.h>

typedef size_t (*handoff_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode handoff_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode handoff_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode handoff_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode handoff_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode handoff_curl_setopt_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode handoff_curl_setopt_callback(CURL *handle, CURLoption option, handoff_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
typedef int (*handoff_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode handoff_curl_setopt_xferinfo(CURL *handle, handoff_curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}
/* SMTP: STARTTLS required (CURLUSESSL_ALL) on smtp://, so a server that does not offer it is refused. */
static inline CURLcode handoff_curl_require_tls(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
}
/* The read callback that feeds an upload (an SMTP message) from memory. */
static inline CURLcode handoff_curl_setopt_read(CURL *handle, handoff_curl_data_callback value, void *context) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_READFUNCTION, value);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_READDATA, context);
}
static inline CURLcode handoff_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode handoff_curl_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
