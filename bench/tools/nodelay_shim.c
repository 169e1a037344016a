/* An LD_PRELOAD shim that sets TCP_NODELAY on every socket the process accepts. For experiments only:
 * `bench/run --router-nodelay` runs the router with it, to show what the router's figures would be with Nagle's
 * algorithm off (the router itself sets no TCP_NODELAY). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

static int nodelay(int fd) {
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

int accept(int s, struct sockaddr* addr, socklen_t* len) {
    static int (*real)(int, struct sockaddr*, socklen_t*);
    if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
    return nodelay(real(s, addr, len));
}

int accept4(int s, struct sockaddr* addr, socklen_t* len, int flags) {
    static int (*real)(int, struct sockaddr*, socklen_t*, int);
    if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
    return nodelay(real(s, addr, len, flags));
}

#ifdef __cplusplus
}
#endif
