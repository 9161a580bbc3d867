{% macro json_item_text(item, key) -%}
    {#- The text of `key` in an object of json_list_items (null when the object has no such key). -#}
    {{- return(adapter.dispatch('json_item_text')(item, key)) -}}
{%- endmacro %}

{% macro default__json_item_text(item, key) -%}
    {{ item }}.value ->> {{ dbt.string_literal(key) }}
{%- endmacro %}

{% macro spark__json_item_text(item, key) -%}
    {{ item }}.value[{{ spark_string_literal(key) }}]
{%- endmacro %}
