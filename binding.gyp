{
  "variables": {
    # 1 only in test builds (scripts/build-simulated.js, scripts/windows/,
    # never npm install or prebuildify): the RIO provider is the SIMULATED
    # one in native/simulated/ instead of the OS's.
    "simulated_rio%": 0
  },
  "targets": [
    {
      "target_name": "rio_buffer_pool",
      # The Node-API glue and the portable core. Each interface of the core
      # (platform.h, io_uring.h, rio.h's provider) gets exactly one
      # implementation below, chosen here and nowhere else.
      "sources": [
        "native/binding/binding.cc",
        "native/binding/native_arena.cc",
        "native/binding/arena_memory.cc",
        "native/binding/exit_store.cc",
        "native/binding/js_error.cc",
        "native/binding/io_uring_binding.cc",
        "native/core/os_error.cc",
        "native/core/rio.cc",
        "native/core/io_uring_table.cc",
        "native/core/shared_mapping.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      # SWALLOW_UNTHROWABLE: while a worker terminates, Node-API calls fail and
      # an error cannot be thrown; without it node-addon-api calls terminate().
      "defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "conditions": [
        # platform.h
        ["OS=='win'", {
          "sources": ["native/win/platform.cc"],
          "libraries": ["-lws2_32", "-ladvapi32"],
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c++17"]}}
        }, {
          "sources": ["native/posix/platform.cc"],
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
          "xcode_settings": {"CLANG_CXX_LANGUAGE_STANDARD": "c++17"}
        }],
        # io_uring.h: fixed buffers are Linux only; elsewhere every call is ENOTSUP.
        ["OS=='linux'", {
          "sources": ["native/linux/io_uring.cc"]
        }, {
          "sources": ["native/none/io_uring_none.cc"]
        }],
        # rio.h's provider and binding/build_variant.h: in test builds the
        # simulation and its controls; else Winsock's table on Windows, none
        # elsewhere (RIO is a Winsock API), and the release variant.
        ["simulated_rio==1", {
          "sources": ["native/simulated/rio_simulated.cc", "native/simulated/controls.cc"]
        }, {
          "sources": ["native/binding/release_variant.cc"],
          "conditions": [
            ["OS=='win'", {"sources": ["native/win/rio_winsock.cc"]}, {"sources": ["native/none/rio_none.cc"]}]
          ]
        }]
      ]
    }
  ]
}
