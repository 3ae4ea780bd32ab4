/* A grid_meta section written by hand, in the format of grid/abi.h, so that
   gridctl inspect is tested independently of the plugin. Each -D selects a
   variant. Struct tail padding leaves zero bytes between frames, as the
   linker's alignment does. */
#define FRAME(Name, Json)                                                      \
  __attribute__((section("grid_meta"), used, aligned(16))) static const struct { \
    char Magic[8];                                                             \
    unsigned Length;                                                           \
    char Payload[sizeof(Json) - 1];                                            \
  } Name = {"GRIDMETA", sizeof(Json) - 1, Json};

#if defined(GOOD) || defined(CONFLICT) || defined(OLD_ABI)
#ifdef OLD_ABI
#define APP_ABI "1"
#else
#define APP_ABI "2"
#endif
FRAME(App, "{\"abi\":" APP_ABI ",\"module\":\"app.c\",\"thread_tolerance\":2,"
           "\"process_tolerance\":null,\"sites\":["
           "{\"file\":\"app.c\",\"line\":40,\"column\":5,\"function\":\"main\","
           "\"kind\":\"pthread_join\"},"
           "{\"file\":\"app.c\",\"line\":12,\"column\":3,\"function\":\"spawn\","
           "\"kind\":\"pthread_create\"}]}")
#ifdef CONFLICT
FRAME(Util, "{\"abi\":2,\"module\":\"util.c\",\"thread_tolerance\":0,"
            "\"process_tolerance\":3,\"sites\":[]}")
#else
FRAME(Util, "{\"abi\":2,\"module\":\"util.c\",\"thread_tolerance\":null,"
            "\"process_tolerance\":3,\"sites\":["
            "{\"file\":\"\",\"line\":0,\"column\":0,\"function\":\"run\","
            "\"kind\":\"system\"},"
            "{\"file\":\"util.c\",\"line\":7,\"column\":10,\"function\":\"run\","
            "\"kind\":\"posix_spawnp\"}]}")
#endif
#endif

#ifdef SYNC
FRAME(App, "{\"abi\":2,\"module\":\"app.c\",\"thread_tolerance\":null,"
           "\"process_tolerance\":null,\"sites\":["
           "{\"file\":\"app.c\",\"line\":9,\"column\":3,\"function\":\"run\","
           "\"kind\":\"pthread_mutex_lock\"},"
           "{\"file\":\"app.c\",\"line\":5,\"column\":3,\"function\":\"main\","
           "\"kind\":\"pthread_create\"},"
           "{\"file\":\"app.c\",\"line\":12,\"column\":3,\"function\":\"run\","
           "\"kind\":\"syscall\"},"
           "{\"file\":\"app.c\",\"line\":10,\"column\":3,\"function\":\"run\","
           "\"kind\":\"pthread_mutex_lock\"}]}")
#endif

#ifdef BAD_JSON
FRAME(Bad, "{\"abi\":2,\"module\":")
#endif

#ifdef BAD_TOLERANCE
FRAME(Bad, "{\"abi\":2,\"module\":\"m.c\",\"thread_tolerance\":7,"
           "\"process_tolerance\":null,\"sites\":[]}")
#endif

#ifdef BAD_LENGTH
__attribute__((section("grid_meta"), used)) static const struct {
  char Magic[8];
  unsigned Length;
  char Payload[2];
} Bad = {"GRIDMETA", 1000, "{}"};
#endif

#ifdef BAD_MAGIC
FRAME(Good, "{\"abi\":2,\"module\":\"m.c\",\"sites\":[]}")
__attribute__((section("grid_meta"), used)) static const char Junk[] = "JUNK";
#endif

int main(void) { return 0; }
