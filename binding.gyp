{
  "variables": {
    # 1 only in test builds (scripts/, never npm install or prebuildify):
    # swaps the RIO provider for the SIMULATED one in native/simulated/rio_simulated.cc.
    "simulated_rio%": 0
  },
  "targets": [
    {
      "target_name": "rio_buffer_pool",
      "sources": [
        "native/binding/binding.cc",
        "native/binding/native_arena.cc",
        "native/binding/arena_memory.cc",
        "native/binding/js_error.cc",
        "native/core/os_error.cc",
        "native/core/rio.cc",
        "native/core/io_uring_table.cc",
        "native/binding/io_uring_binding.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      # SWALLOW_UNTHROWABLE: while a worker terminates, Node-API calls fail and
      # an error cannot be thrown; without it node-addon-api calls terminate().
      "defines": ["NAPI_VERSION=8", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "conditions": [
        ["OS=='win'", {
          "sources": ["native/win/platform.cc", "native/win/rio_winsock.cc", "native/none/io_uring_none.cc"],
          "libraries": ["-lws2_32", "-ladvapi32"],
          "msvs_settings": {"VCCLCompilerTool": {"AdditionalOptions": ["/std:c++17"]}}
        }, {
          "sources": ["native/posix/platform.cc", "native/none/rio_none.cc"],
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
          "xcode_settings": {"CLANG_CXX_LANGUAGE_STANDARD": "c++17"},
          "conditions": [
            # io_uring fixed buffers: Linux only; elsewhere every call is ENOTSUP.
            ["OS=='linux'", {"sources": ["native/linux/io_uring.cc"]}, {"sources": ["native/none/io_uring_none.cc"]}]
          ]
        }],
        ["simulated_rio==1", {
          "defines": ["RBP_SIMULATED_RIO"],
          "sources": ["native/simulated/rio_simulated.cc", "native/simulated/rio_simulated_controls.cc"]
        }]
      ]
    }
  ]
}
