{% macro hash_email(expression) -%}
    {#- The SHA-256 of the trimmed, lower-cased text, as 64 hexadecimal digits. -#}
    {{- return(adapter.dispatch('hash_email')(expression)) -}}
{%- endmacro %}

{% macro default__hash_email(expression) -%}
    encode(sha256(convert_to(lower(trim({{ expression }})), 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__hash_email(expression) -%}
    sha2(lower(trim({{ expression }})), 256)
{%- endmacro %}
